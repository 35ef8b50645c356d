"""The client's words live in the catalogues, the catalogues agree, and the client stays small."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client"
SCRIPTS = sorted((CLIENT / "js").rglob("*.js")) + [CLIENT / "sw.js"]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# English UI text: a capitalised word followed by more words ("Sync now", "No location").
ENGLISH_PHRASE = re.compile(r"^\s*[A-Z][a-z']*(?:,? [A-Za-z'-]+)+[.!?…]?\s*$")
# Codes the app can receive: auth, requests, sync, photos, checklists, the task workflow.
CLIENT_CODES = re.compile(
    r"^(auth|request|sync|photo|checklist|task|user|location)\.|^(not_found|conflict|server\.error)$"
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SIZE_BUDGET = 150 * 1024  # what the first load may need
# Modules imported on first use only (the QR decoder where BarcodeDetector is missing).
LAZY = [CLIENT / "vendor" / "jsqr" / "jsQR.js"]
LAZY_BUDGET = 50 * 1024


def catalogue(language: str) -> dict[str, str]:
    return json.loads((CLIENT / "i18n" / f"{language}.json").read_text(encoding="utf-8"))


def scan(source: str) -> tuple[str, list[str]]:
    """Return a JavaScript file's code without comments, and its string literals (a small lexer)."""
    code, literals, index = [], [], 0
    while index < len(source):
        char = source[index]
        if source.startswith("//", index):
            index = source.find("\n", index)
            index = len(source) if index < 0 else index
        elif source.startswith("/*", index):
            index = source.index("*/", index) + 2
        elif char in "'\"`":
            end = index + 1
            while source[end] != char:
                end += 2 if source[end] == "\\" else 1
            literals.append(source[index + 1 : end])
            code.append(source[index : end + 1])
            index = end + 1
        else:
            code.append(char)
            index += 1
    return "".join(code), literals


def test_catalogues_have_the_same_keys_and_placeholders():
    chinese, english = catalogue("zh-CN"), catalogue("en")
    assert chinese.keys() == english.keys()
    for key in chinese:
        assert chinese[key].strip() and english[key].strip(), key
        assert set(PLACEHOLDER.findall(chinese[key])) == set(PLACEHOLDER.findall(english[key])), key
        assert re.fullmatch(r"[a-z][a-z0-9_-]*(\.[a-zA-Z0-9_-]+)+", key), key


class TextNodes(HTMLParser):
    """Collect each text node of index.html with whether its element has data-i18n."""

    def __init__(self):
        super().__init__()
        self.stack: list[dict] = []
        self.texts: list[tuple[str, bool]] = []
        self.keys: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.keys += [value for name, value in attrs if name.startswith("data-i18n")]
        if tag not in {"meta", "link", "img", "input", "br"}:
            self.stack.append(attributes)

    def handle_endtag(self, tag):
        if tag not in {"meta", "link", "img", "input", "br"}:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            translated = bool(self.stack) and "data-i18n" in self.stack[-1]
            self.texts.append((data.strip(), translated))


def test_every_text_of_the_page_comes_from_the_catalogue():
    parser = TextNodes()
    parser.feed((CLIENT / "index.html").read_text(encoding="utf-8"))
    untranslated = [text for text, translated in parser.texts if not translated]
    assert not untranslated, untranslated
    assert parser.keys and set(parser.keys) <= catalogue("zh-CN").keys()


def test_scripts_hold_no_user_visible_words():
    for path in SCRIPTS:
        source = path.read_text(encoding="utf-8")
        assert not CJK.search(source), f"{path}: Chinese text outside the catalogues"
        texts = [re.sub(r"\$\{[^}]*\}", "x", text) for text in scan(source)[1]]
        phrases = [t for t in texts if ENGLISH_PHRASE.match(t) and not t.startswith("Bearer ")]
        assert not phrases, f"{path}: English words outside the catalogues: {phrases}"


def test_every_key_the_scripts_use_exists():
    keys = catalogue("zh-CN").keys()
    for path in SCRIPTS:
        source = scan(path.read_text(encoding="utf-8"))[0]
        for key in re.findall(r"\bt\('([^']+)'", source):
            assert key in keys, f"{path}: {key}"
        for prefix in re.findall(r"\bt\(`([a-z_.]+)\.\$\{", source):
            assert any(key.startswith(prefix + ".") for key in keys), f"{path}: {prefix}.*"


def test_every_error_code_the_server_sends_has_words():
    codes = set()
    for path in (ROOT / "server").rglob("*.py"):
        codes |= set(re.findall(r'code\s*=\s*"([a-z_]+(?:\.[a-z_]+)*)"', path.read_text()))
        codes |= set(re.findall(r'^\s+\d{3}: "([a-z_.]+)",$', path.read_text(), re.M))
    assert {"sync.photo_required", "auth.invalid_credentials"} <= codes
    from server.models import NOTIFICATION_CODES

    codes -= set(NOTIFICATION_CODES)  # worded as notices (notice.<code>), not as errors
    words = catalogue("zh-CN")
    missing = sorted(c for c in codes if CLIENT_CODES.search(c) and f"code.{c}" not in words)
    assert not missing, missing


def test_every_notification_code_has_words():
    from server.models import NOTIFICATION_CODES

    for language in ("zh-CN", "en"):
        words = catalogue(language)
        assert not [code for code in NOTIFICATION_CODES if f"notice.{code}" not in words]


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def test_scripts_and_styles_fit_the_size_budget():
    files = [*CLIENT.rglob("*.js"), *CLIENT.rglob("*.css")]
    files = [path for path in files if "dist" not in path.relative_to(CLIENT).parts]  # sources
    total = sum(gzipped(path) for path in files if path not in LAZY)
    assert total < SIZE_BUDGET, f"{total} bytes gzipped"


def test_lazy_modules_fit_their_own_budget_and_load_only_by_url():
    """The QR decoder comes with the first scan, never with the first load: no static import,
    and no dynamic import of a string literal either (the bundler would inline that one)."""
    for path in LAZY:
        assert gzipped(path) < LAZY_BUDGET, f"{path}: {gzipped(path)} bytes gzipped"
        named = rf"['\"][./]*vendor/{path.parent.name}/"
        imported = re.compile(rf"^import [^(]*{named}|import\(\s*{named}", re.M)
        assert not [script for script in SCRIPTS if imported.search(script.read_text("utf-8"))]


def test_modules_stay_small():
    for path in SCRIPTS:
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 160, f"{path}: {lines} lines"
