"""A loopback HTTP proxy that loses answers after the server has committed them.

It forwards each request whole to the server and reads the server's whole answer, so whatever
the request changed is committed. Then, for the requests ``drop`` picks, it closes the client's
connection without a byte: the device sees the connection die, cannot tell whether its request
was applied, and sends it again. That is the lost answer of a corridor Wi-Fi, made repeatable.
"""

from __future__ import annotations

import hashlib
import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class AnswerDroppingProxy:
    """Forward to ``127.0.0.1:upstream_port``; drop the first answer to each request ``drop`` picks.

    Requests are told apart by method, path and a hash of the body: a device's retry of the same
    request is let through.
    """

    def __init__(self, upstream_port: int, drop: Callable[[str, str], bool]) -> None:
        self.upstream_port = upstream_port
        self.drop = drop
        self.lock = threading.Lock()
        self.seen: set[tuple[str, str, str]] = set()
        self.dropped = 0
        self.forwarded = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the devices' connections are

            def do_GET(self) -> None:
                proxy._forward(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=300)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream.request(handler.command, handler.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()  # the whole answer: the server has finished and committed
        except (OSError, http.client.HTTPException):
            handler.close_connection = True
            return  # the server died: the device sees the connection die too
        finally:
            upstream.close()
        key = (handler.command, handler.path, hashlib.sha256(body).hexdigest())
        with self.lock:
            first = key not in self.seen
            self.seen.add(key)
            lose = first and self.drop(handler.command, handler.path)
            self.dropped += lose
            self.forwarded += not lose
        if lose:
            handler.close_connection = True  # not a byte of the answer reaches the device
            return
        handler.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def __enter__(self) -> AnswerDroppingProxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
