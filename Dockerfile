FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WARDWALK_INSTANCE_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
RUN pip install --no-cache-dir .
COPY . .
RUN pip install --no-cache-dir --no-deps . && mkdir -p /data/photos
EXPOSE 8000
CMD ["scripts/docker-web"]
