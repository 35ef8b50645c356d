r"""Group-chat robots: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) webhooks.

Each vendor's payload, signature and answer as its documentation gives them:

- **WeCom** group robot: ``POST …/cgi-bin/webhook/send?key=…`` with
  ``{"msgtype": "markdown", "markdown": {"content"}}`` (at most 4096 bytes); no signature (the
  ``key`` in the URL is the credential). Answer ``{"errcode": 0, "errmsg": "ok"}``.
- **DingTalk** custom robot: ``POST …/robot/send?access_token=…`` with
  ``{"msgtype": "markdown", "markdown": {"title", "text"}}``. With a secret (加签), the query also
  carries ``timestamp`` (milliseconds) and ``sign`` = urlencode(base64(HMAC-SHA256(key=secret,
  message=timestamp + "\\n" + secret))). Answer ``{"errcode": 0, "errmsg": "ok"}``.
- **Feishu** custom bot: ``POST …/open-apis/bot/v2/hook/…`` with ``{"msg_type": "interactive",
  "card": …}`` (a card whose text is ``lark_md``). With a secret (签名校验), the body also carries
  ``timestamp`` (seconds, as a string) and ``sign`` = base64(HMAC-SHA256(key=timestamp + "\\n" +
  secret, message=empty)). Answer ``{"code": 0, "msg": "success"}`` (older bots:
  ``{"StatusCode": 0}``).

A robot answers HTTP 200 to a refused message too: only an answer whose code is 0 counts as sent;
anything else raises, so the delivery outbox retries it with back-off. Robots are configured in
the hospital file per hospital or per department; URLs may and secrets must come from the
environment (by variable name), so the database and ``wardwalk org export`` never hold them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from server.services.channels import Message, markdown

WECOM_MAX_BYTES = 4096
TIMEOUT_SECONDS = 10

# What a chat hears unless its ``events`` say otherwise: what its people would act on.
DEFAULT_EVENTS = {
    "department": (
        "task.created",
        "task.assigned",
        "task.verification_failed",
        "task.due_soon",
        "task.overdue",
        "task.moved",
    ),
    "hospital": (
        "task.created",
        "task.rechecked",
        "task.evidence_submitted",
        "task.escalated",
        "task.escalated_to_leadership",
        "coverage.gap",
    ),
}


class RobotError(Exception):
    """A robot could not be reached, or refused the message; the delivery is retried."""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """Return DingTalk's signature (base64, before URL encoding) for a millisecond timestamp."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Return Feishu's signature for a timestamp in seconds: the key is timestamp + secret."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _post_json(url: str, body: dict) -> dict:
    """POST ``body`` as UTF-8 JSON; return the JSON answer; raise ``RobotError`` otherwise."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read().decode())
    except (OSError, ValueError) as error:  # refused, timed out, HTTP error, not JSON
        raise RobotError(f"{type(error).__name__}: {error}") from error
    if not isinstance(answer, dict):
        raise RobotError(f"unexpected answer {answer!r}")
    return answer


def _with_query(url: str, params: dict) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


class Robot:
    """One chat robot: builds the vendor's request, sends it, and judges the answer."""

    vendor = ""

    def __init__(self, url: str, secret: str | None = None) -> None:
        self.url, self.secret = url, secret

    def send(self, message: Message, now: datetime) -> None:
        """Send ``message``, signed at ``now`` (the caller's clock); raise if not accepted."""
        url, body = self.request(message, now)
        self.check(_post_json(url, body))

    def request(self, message: Message, now: datetime) -> tuple[str, dict]:
        """Return the URL and JSON body to POST."""
        raise NotImplementedError

    def check(self, answer: dict[str, Any]) -> None:
        """Raise unless the answer says the message was accepted (``errcode`` 0)."""
        if answer.get("errcode") != 0:
            code, words = answer.get("errcode"), answer.get("errmsg")
            raise RobotError(f"{self.vendor} errcode {code}: {words}")


class WeComRobot(Robot):
    """A WeCom (企业微信) group robot."""

    vendor = "wecom"

    def request(self, message: Message, now: datetime) -> tuple[str, dict]:
        """Return the markdown message, cut to WeCom's 4096 bytes."""
        _title, text = markdown(message)
        content = text.encode()[:WECOM_MAX_BYTES].decode(errors="ignore")
        return self.url, {"msgtype": "markdown", "markdown": {"content": content}}


class DingTalkRobot(Robot):
    """A DingTalk (钉钉) custom robot, signed (加签) when it has a secret."""

    vendor = "dingtalk"

    def request(self, message: Message, now: datetime) -> tuple[str, dict]:
        """Return the markdown message; the signature goes in the query."""
        title, text = markdown(message)
        url = self.url
        if self.secret:
            timestamp = int(now.timestamp() * 1000)
            url = _with_query(
                url, {"timestamp": timestamp, "sign": dingtalk_sign(self.secret, timestamp)}
            )
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


class FeishuRobot(Robot):
    """A Feishu (飞书) custom bot, signed (签名校验) when it has a secret."""

    vendor = "feishu"

    def request(self, message: Message, now: datetime) -> tuple[str, dict]:
        """Return a card with the markdown text; the signature goes in the body."""
        title, text = markdown(message)
        body: dict[str, Any] = {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": title}},
                "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": text}}],
            },
        }
        if self.secret:
            timestamp = int(now.timestamp())
            sign = feishu_sign(self.secret, timestamp)
            body = {"timestamp": str(timestamp), "sign": sign, **body}
        return self.url, body

    def check(self, answer: dict[str, Any]) -> None:
        """Raise unless ``code`` (or, on older bots, ``StatusCode``) is 0."""
        code = answer.get("code", answer.get("StatusCode"))
        if code != 0:
            words = answer.get("msg", answer.get("StatusMessage"))
            raise RobotError(f"feishu code {code}: {words}")


ROBOTS = {cls.vendor: cls for cls in (WeComRobot, DingTalkRobot, FeishuRobot)}


def robot(spec: Mapping[str, Any], environ: Mapping[str, str]) -> Robot:
    """Build the robot a hospital file's webhook entry describes, its secrets from ``environ``."""

    def from_environment(name: str) -> str:
        value = environ.get(name, "")
        if not value:
            raise RobotError(f"environment variable {name} is not set")
        return value

    url = spec.get("url") or from_environment(spec["url_env"])
    secret = from_environment(spec["secret_env"]) if spec.get("secret_env") else None
    return ROBOTS[spec["vendor"]](url, secret)


def webhooks_for(settings: Mapping[str, Any], department: str | None, code: str) -> list[dict]:
    """Return the webhook entries that hear ``code``.

    ``department`` is a department's code, or None for the hospital's own chats; each chat hears
    its ``events``, or by default what its audience acts on (``DEFAULT_EVENTS``).
    """
    audience = "hospital" if department is None else "department"
    return [
        spec
        for spec in settings.get("webhooks", [])
        if spec.get("department") == department
        and code in (spec.get("events") or DEFAULT_EVENTS[audience])
    ]


def find_webhook(settings: Mapping[str, Any], name: str) -> dict | None:
    """Return the webhook entry called ``name``, or None if the hospital file dropped it."""
    return next((spec for spec in settings.get("webhooks", []) if spec["name"] == name), None)
