# The client bundle (scripts/build-client.mjs): Node is needed to build it, not to run the app.
FROM node:20-slim AS client
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-client.mjs scripts/
COPY client client
RUN node scripts/build-client.mjs

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WARDWALK_INSTANCE_DIR=/data
WORKDIR /app
# pg_dump / pg_restore for `wardwalk backup` and `restore` (the server's major version or newer).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY server ./server
RUN pip install --no-cache-dir .
COPY . .
COPY --from=client /build/client/dist client/dist
RUN pip install --no-cache-dir --no-deps . && install -d -m 0700 /data /data/photos
EXPOSE 8000
CMD ["scripts/docker-web"]
