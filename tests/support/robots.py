"""Chat robots on loopback: WeCom, DingTalk and Feishu endpoints that check requests exactly.

Each receiver is a small threaded ``http.server`` that accepts only what its vendor documents
(path and credential, JSON body shape, signature) and answers as the vendor does: a refused
message gets HTTP 200 with a non-zero code. What it received and every deviation it noticed are
kept for the test to assert on. It can be stopped and started again on the same port, to play a
robot that is down for a while.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import deque
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

OK = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
}
REFUSED = {
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url"},
    "dingtalk": {"errcode": 310000, "errmsg": "sign not match"},
    "feishu": {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"},
}
TOKEN = "6f1d2c3b-robot-token"


def expected_dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk: base64(HMAC-SHA256(key=secret, message=timestamp + "\\n" + secret))."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def expected_feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu: base64(HMAC-SHA256(key=timestamp + "\\n" + secret, message=empty))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


class RobotReceiver:
    """One vendor's robot endpoint. ``answers`` queues (status, body) to give before the normal
    success answer; ``received`` holds each accepted request; ``problems`` every deviation."""

    def __init__(self, vendor: str, secret: str | None = None, clock: datetime | None = None):
        self.vendor, self.secret, self.clock = vendor, secret, clock
        self.answers: deque[tuple[int, dict]] = deque()
        self.received: list[dict] = []
        self.problems: list[str] = []
        self.requests = 0
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The webhook URL as the vendor hands it out (credential included)."""
        base = f"http://127.0.0.1:{self.port}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={TOKEN}",
            "dingtalk": f"{base}/robot/send?access_token={TOKEN}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{TOKEN}",
        }[self.vendor]

    def start(self) -> RobotReceiver:
        """Listen (again, on the same port once it had one)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                status, answer = receiver.handle(
                    self.path, self.headers.get("Content-Type", ""), self.rfile.read(length)
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start`` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- checking -----------------------------------------------------------------------------

    def handle(self, path: str, content_type: str, raw: bytes) -> tuple[int, dict]:
        """Check one request; return the status and answer to give."""
        self.requests += 1
        problems: list[str] = []
        if not content_type.startswith("application/json"):
            problems.append(f"Content-Type {content_type!r}")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.problems.append("body is not UTF-8 JSON")
            return 400, {"errcode": 40000, "errmsg": "bad json"}
        url = urlsplit(path)
        getattr(self, f"_check_{self.vendor}")(url, parse_qs(url.query), body, problems)
        if problems:
            self.problems += problems
            return 200, REFUSED[self.vendor]
        if self.answers:
            return self.answers.popleft()
        self.received.append({"path": url.path, "query": parse_qs(url.query), "body": body})
        return 200, OK[self.vendor]

    def _check_clock(self, timestamp: str, per_second: int, problems: list[str]) -> None:
        if not timestamp.isdigit():
            problems.append(f"timestamp {timestamp!r} is not an integer")
        elif self.clock is not None and int(timestamp) != int(self.clock.timestamp() * per_second):
            problems.append(f"timestamp {timestamp} is not the sender's clock")

    def _check_wecom(self, url, query, body, problems) -> None:
        if url.path != "/cgi-bin/webhook/send" or query.get("key") != [TOKEN]:
            problems.append(f"wrong path or key: {url.path}?{url.query}")
        if set(body) != {"msgtype", "markdown"} or body["msgtype"] != "markdown":
            problems.append(f"not a markdown message: {sorted(body)}")
            return
        content = body["markdown"].get("content") if isinstance(body["markdown"], dict) else None
        if set(body["markdown"]) != {"content"} or not isinstance(content, str) or not content:
            problems.append("markdown needs exactly a non-empty content")
        elif len(content.encode()) > 4096:
            problems.append("content over 4096 bytes")

    def _check_dingtalk(self, url, query, body, problems) -> None:
        if url.path != "/robot/send" or query.get("access_token") != [TOKEN]:
            problems.append(f"wrong path or access_token: {url.path}")
        if self.secret is not None:
            [timestamp], [sign] = query.get("timestamp", [""]), query.get("sign", [""])
            self._check_clock(timestamp, 1000, problems)
            if sign != expected_dingtalk_sign(self.secret, timestamp):
                problems.append("sign does not match")
            raw_sign = url.query.split("sign=", 1)[-1].split("&", 1)[0]
            if any(char in raw_sign for char in "+/="):
                problems.append(f"sign is not URL-encoded: {raw_sign}")
        elif "sign" in query or "timestamp" in query:
            problems.append("signed without a secret")
        markdown = body.get("markdown")
        if (
            set(body) != {"msgtype", "markdown"}
            or body["msgtype"] != "markdown"
            or not isinstance(markdown, dict)
            or set(markdown) != {"title", "text"}
            or not all(isinstance(markdown[key], str) and markdown[key] for key in markdown)
        ):
            problems.append(f"not a markdown message with title and text: {body}")

    def _check_feishu(self, url, query, body, problems) -> None:
        if url.path != f"/open-apis/bot/v2/hook/{TOKEN}" or url.query:
            problems.append(f"wrong hook: {url.path}?{url.query}")
        keys = {"msg_type", "card"}
        if self.secret is not None:
            keys |= {"timestamp", "sign"}
            timestamp = body.get("timestamp")
            if not isinstance(timestamp, str):
                problems.append(f"timestamp {timestamp!r} is not a string")
                timestamp = str(timestamp)
            self._check_clock(timestamp, 1, problems)
            if body.get("sign") != expected_feishu_sign(self.secret, timestamp):
                problems.append("sign does not match")
        if set(body) != keys or body.get("msg_type") != "interactive":
            problems.append(f"body keys {sorted(body)}, expected {sorted(keys)}")
            return
        card = body["card"]
        try:
            title = card["header"]["title"]
            [element] = card["elements"]
            assert title["tag"] == "plain_text" and title["content"]
            assert element["tag"] == "div" and element["text"]["tag"] == "lark_md"
            assert element["text"]["content"]
        except (KeyError, TypeError, ValueError, AssertionError):
            problems.append(f"not a card with a title and lark_md text: {card}")

    # --- reading ------------------------------------------------------------------------------

    def texts(self) -> list[str]:
        """Return the markdown text of each accepted message."""
        texts = []
        for message in self.received:
            body = message["body"]
            if self.vendor == "wecom":
                texts.append(body["markdown"]["content"])
            elif self.vendor == "dingtalk":
                texts.append(body["markdown"]["text"])
            else:
                texts.append(body["card"]["elements"][0]["text"]["content"])
        return texts
