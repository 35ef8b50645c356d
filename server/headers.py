"""Security headers on every answer, set in this one ``after_request`` hook.

Three kinds of answer get three content security policies:

- **the app** (the shell ``/``, ``/sw.js``, every client file, and anything else outside
  ``/api/``): scripts, styles, fetches and workers from this origin only, never inline; images
  also from ``blob:`` (photos on the device) and ``data:``; framed by nobody.
- **the API** (JSON, photos, exports and every error under ``/api/``): may load nothing and be
  framed by nobody.
- **printable pages** (HTML under ``/api/``: the weekly report, an inspection's report, the QR
  labels): only ``data:`` images and their own ``<style>`` block, allowed by its sha256 rather
  than ``'unsafe-inline'``; framed only by this origin (``frame-ancestors 'self'``).

The app shows a printable page by fetching it and writing it into a sandboxed iframe's
``srcdoc`` (the weekly report) or a ``blob:`` window (print, labels). Such documents inherit the
*app's* policy, not the page's, so the app's ``style-src`` lists the same style hashes; they are
computed here from the stylesheets in ``server/templates`` so that editing one cannot leave the
policy behind.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from flask import Flask, Response, request

from server.services.exports import TEMPLATES, render

# The phone camera is the only powerful feature the app uses; the rest is off for every origin.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "hid=()",
        "midi=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
        "display-capture=()",
        "fullscreen=()",
        "browsing-topics=()",
    ]
)
# A year; no includeSubDomains: a hospital's other hosts under the same domain may not speak TLS.
HSTS = "max-age=31536000"


@dataclass(frozen=True)
class Policies:
    """The content security policy of each kind of answer."""

    app: str
    api: str
    printable: str


def printable_style_hashes() -> list[str]:
    """Return the CSP hash sources of the printable pages' ``<style>`` blocks.

    Each page includes one stylesheet of ``server/templates`` as the whole content of its
    ``<style>`` element, so the stylesheet as the template engine renders it is what is hashed.
    """
    sources = []
    for path in sorted(TEMPLATES.glob("*.css")):
        digest = hashlib.sha256(render(path.name).encode()).digest()
        sources.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sources


def build_policies() -> Policies:
    """Write the three policies."""
    styles = " ".join(printable_style_hashes())
    locked = "base-uri 'none'; form-action 'none'"
    return Policies(
        app=(
            "default-src 'self'; script-src 'self'; "
            f"style-src 'self' {styles}; img-src 'self' blob: data:; "
            f"object-src 'none'; {locked}; frame-ancestors 'none'"
        ),
        api=f"default-src 'none'; {locked}; frame-ancestors 'none'",
        printable=(
            f"default-src 'none'; img-src data:; style-src {styles}; "
            f"{locked}; frame-ancestors 'self'"
        ),
    )


def register_security_headers(app: Flask) -> None:
    """Add the headers to every answer of ``app``, errors included."""
    policies = build_policies()
    app.extensions["security_policies"] = policies

    @app.after_request
    def _secure(response: Response) -> Response:
        under_api = request.path.startswith("/api/")
        printable = under_api and response.mimetype == "text/html"
        if printable:
            policy = policies.printable
        else:
            policy = policies.api if under_api else policies.app
        headers = response.headers
        headers["Content-Security-Policy"] = policy
        headers["X-Frame-Options"] = "SAMEORIGIN" if printable else "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        # Behind a TLS proxy, is_secure comes from X-Forwarded-Proto only with TRUSTED_PROXIES.
        if request.is_secure:
            headers["Strict-Transport-Security"] = HSTS
        return response
