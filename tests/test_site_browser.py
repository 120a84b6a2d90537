"""The built site in a real browser: Debian's chromium driven by Python playwright.

The site (built once per session by test_book.build_book) is served on 127.0.0.1 from this
test. Every request is routed: anything that would leave 127.0.0.1 is recorded and aborted, so
the pages must work offline. For every page: no console error beyond the two known harmless
ones, math typeset by MathJax with no TeX error, every widget rendered, every internal link and
anchor resolves. Equations (1)-(11) must appear as rendered tags in the chapters. The
transferred bytes of every page (HTML + everything it loads) are printed.
"""
from __future__ import annotations

import functools
import gzip
import http.server
import re
import socketserver
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from test_book import build_book

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The two harmless errors every Jupyter Book 1 page logs (shared/notes/toolchain.md):
# sphinx-thebe emits its config script twice, and pydata-sphinx-theme warns about the mode.
KNOWN_CONSOLE_ERRORS = (
    "Identifier 'THEBE_JS_URL' has already been declared",
    "Got invalid theme mode",
)
EQUATIONS = range(1, 12)
TAG = re.compile(r"\\tag\{(\d+)\}")
_REFRESH = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.IGNORECASE)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def site():
    """(base URL, html dir): the built book served on 127.0.0.1 by a thread of this process."""
    build = build_book()
    if build.returncode != 0:
        pytest.fail(f"book build failed (exit {build.returncode}); see _build/book-build.log")
    handler = functools.partial(_QuietHandler, directory=str(build.html))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", build.html
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@functools.lru_cache(maxsize=None)
def _ids(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(errors="replace"))
    return frozenset(parser.ids)


@functools.lru_cache(maxsize=None)
def _gzip_size(html: Path, rel_url: str) -> int:
    """Size of a served file after gzip -6, what a typical static host would transfer."""
    path = html / unquote(urlsplit(rel_url).path)
    return len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0


def _pages(html: Path) -> list[str]:
    skip = {"_static", "_sources", "_images"}
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not skip & set(p.relative_to(html).parts))


_VISIT_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const items = (window.MathJax && MathJax.startup && MathJax.startup.document)
      ? Array.from(MathJax.startup.document.math) : [];
  return {
    mathjax: !!(window.MathJax && MathJax.version),
    containers: document.querySelectorAll('mjx-container').length,
    errors: document.querySelectorAll('mjx-merror').length,
    tagged: items.filter(m => m.typesetRoot && m.typesetRoot.querySelector('mjx-labels'))
                 .map(m => m.math),
    mathSources: document.querySelectorAll('.math, div.math, span.math').length,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  };
}"""

_WIDGETS_JS = """() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  return Array.from(views).every(s => {
    const area = s.previousElementSibling;
    return area && area.classList.contains('widget-subarea') && area.childElementCount > 0;
  });
}"""


@pytest.fixture(scope="module")
def visits(site, browser):
    """Load every page once; record console errors, requests, math, links, bytes."""
    base, html = site
    results = {}
    context = browser.new_context()
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith(base) or r.request.url.startswith("data:") \
                or r.request.url.startswith("blob:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    for rel in _pages(html):
        redirect = _REFRESH.search((html / rel).read_text())
        if redirect:  # the root index.html only forwards to the landing page
            results[rel] = dict(status=200, console=[], failed=[], outside=[], bytes=0, gzip_bytes=0,
                                widget_views=0, widgets_ok=True, mathjax=False, containers=0,
                                errors=0, tagged=[], mathSources=0,
                                links=[urljoin(base + rel, redirect.group(1))])
            continue
        page = context.new_page()
        console, requests, failed = [], [], []
        page.on("console", lambda m, c=console: c.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, c=console: c.append(str(e)))
        page.on("requestfinished", lambda r, q=requests: q.append(r))
        page.on("requestfailed", lambda r, f=failed: f.append(f"{r.url} {r.failure}"))
        seen_outside = len(outside)
        response = page.goto(base + rel, wait_until="load")
        info = page.evaluate(_VISIT_JS)
        widget_views = page.locator(
            'script[type="application/vnd.jupyter.widget-view+json"]').count()
        widgets_ok = True
        if widget_views:
            try:
                page.wait_for_function(_WIDGETS_JS, timeout=30_000)
            except Exception:  # noqa: BLE001 - reported by the widget test
                widgets_ok = False
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.wait_for_load_state("networkidle")
        transferred, gzipped = 0, 0
        for r in requests:
            sizes = r.sizes()
            transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            gzipped += _gzip_size(html, r.url[len(base):]) if r.url.startswith(base) else 0
        bad_status = [f"{r.url} {r.response().status}" for r in requests
                      if r.response() and r.response().status >= 400]
        results[rel] = dict(
            status=response.status if response else None, console=list(console),
            failed=failed + bad_status, outside=outside[seen_outside:], bytes=transferred, gzip_bytes=gzipped,
            widget_views=widget_views, widgets_ok=widgets_ok, **info,
        )
        page.close()
    context.close()
    return results


def test_site_has_the_book_pages(visits):
    assert "book/intro.html" in visits
    assert sum(p.startswith("notebooks/") for p in visits) == 10


def test_every_page_loads_without_console_errors(visits):
    problems = {}
    for rel, v in visits.items():
        unexpected = [m for m in v["console"]
                      if not any(known in m for known in KNOWN_CONSOLE_ERRORS)]
        if v["status"] != 200 or unexpected or v["failed"]:
            problems[rel] = dict(status=v["status"], console=unexpected, failed=v["failed"])
    assert not problems, problems


def test_no_request_leaves_localhost(visits):
    outside = {rel: v["outside"] for rel, v in visits.items() if v["outside"]}
    assert not outside, outside


def test_math_is_rendered_by_mathjax(visits):
    with_math = [rel for rel, v in visits.items() if v["mathSources"]]
    assert "book/notation.html" in with_math
    for rel in with_math:
        v = visits[rel]
        assert v["mathjax"], f"{rel}: MathJax did not load"
        assert v["containers"] > 0, f"{rel}: no mjx-container"
        assert v["errors"] == 0, f"{rel}: {v['errors']} TeX errors (mjx-merror)"


def test_equations_1_to_11_are_rendered_with_their_numbers_in_the_chapters(visits):
    tags: dict[int, list[str]] = {}
    for rel, v in visits.items():
        if not rel.startswith("notebooks/"):
            continue
        for source in v["tagged"]:
            for number in TAG.findall(source):
                tags.setdefault(int(number), []).append(rel)
    missing = [n for n in EQUATIONS if n not in tags]
    assert not missing, f"equations without a rendered \\tag in any chapter: {missing}"


def test_widgets_render_offline(visits):
    for rel, v in visits.items():
        if v["widget_views"]:
            assert v["widgets_ok"], f"{rel}: a widget did not render"


def test_no_internal_link_is_broken(site, visits):
    base, html = site
    broken = []
    for rel, v in visits.items():
        for href in v["links"]:
            if not href.startswith(base):
                continue
            parts = urlsplit(href)
            path = unquote(parts.path).lstrip("/")
            target = html / path
            if path == "" or path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{rel} -> {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _ids(target):
                    broken.append(f"{rel} -> {href} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_report_page_weight(visits, capsys):
    """Transferred bytes per page, heaviest first: as http.server sends them (no compression),
    and the same files gzipped (what a static host such as GitHub Pages would send)."""
    rows = sorted(((v["bytes"], v["gzip_bytes"], rel) for rel, v in visits.items()),
                  reverse=True)
    with capsys.disabled():
        print("\n[book] transferred per page, HTML + everything it loads (raw | gzip -6):")
        for size, gz, rel in rows:
            print(f"  {size / 1e6:6.2f} MB | {gz / 1e6:5.2f} MB  {rel}")
    assert rows[0][0] > 0
