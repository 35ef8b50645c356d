"""The client needs no exception to the app's CSP: no inline code, no style attributes.

The browser suite fails on any violation it meets (tests/browser/conftest.py); this reads every
source file, so that code on a path no browser test walks cannot need ``'unsafe-inline'`` either.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser.test_client_source import scan

pytestmark = pytest.mark.browser

CLIENT = Path(__file__).resolve().parents[2] / "client"
# The sources; the bundle in dist/ is built from them (test_bundle.py checks it is current).
SCRIPTS = sorted(path for path in CLIENT.rglob("*.js") if path.parent.name != "dist")
# What a policy without 'unsafe-inline' / 'unsafe-eval' refuses, as it appears in code.
FORBIDDEN = {
    "a style attribute": re.compile(r"""\bstyle\s*:|setAttribute\(\s*['"]style['"]"""),
    "HTML from a string": re.compile(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write"),
    "code from a string": re.compile(r"\beval\(|new Function\(|set(Timeout|Interval)\(\s*['\"`]"),
    "a javascript: URL": re.compile(r"javascript:"),
}


class InlineCode(HTMLParser):
    """Collect what in a page would need 'unsafe-inline': inline scripts, handlers, styles."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]
        if "style" in names:
            self.found.append(f"style= on <{tag}>")


def test_the_page_has_no_inline_scripts_handlers_or_styles():
    parser = InlineCode()
    parser.feed((CLIENT / "index.html").read_text(encoding="utf-8"))
    assert not parser.found


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: str(path.relative_to(CLIENT)))
def test_no_script_builds_inline_styles_or_code_from_strings(path):
    code = scan(path.read_text(encoding="utf-8"))[0]
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(code)]
    assert not found
