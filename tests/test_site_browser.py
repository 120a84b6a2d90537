"""The built site in a real browser: Debian's chromium driven by Python playwright.

The site (built once per session by test_book.build_book) is served on 127.0.0.1 from this
test. Every request is routed: anything that would leave 127.0.0.1 is recorded and aborted, so
the pages must work offline. For every page: no console error beyond the two known harmless
ones, math typeset by MathJax with no TeX error, every widget rendered, every internal link and
anchor resolves. Equations (1)-(11) must appear as rendered tags in the chapters. The
transferred bytes of every page (HTML + everything it loads) are printed.
"""

from __future__ import annotations

import contextlib
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
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Jupyter Book 1 pages used to log two harmless errors (sphinx-thebe's config script twice,
# pydata-sphinx-theme's empty default mode); book/_ext/book_assets.py removes both causes, so
# a clean console means exactly that.
KNOWN_CONSOLE_ERRORS: tuple[str, ...] = ()
EQUATIONS = range(1, 12)
TAG = re.compile(r"^\((\d+)\)$")
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


@functools.cache
def _ids(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(errors="replace"))
    return frozenset(parser.ids)


@functools.cache
def _gzip_size(html: Path, rel_url: str) -> int:
    """Size of a served file after gzip -6, what a typical static host would transfer."""
    path = html / unquote(urlsplit(rel_url).path)
    return len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0


def _pages(html: Path) -> list[str]:
    skip = {"_static", "_sources", "_images"}
    return sorted(
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if not skip & set(p.relative_to(html).parts)
    )


_VISIT_JS = """async () => {
  await document.fonts.ready;
  return {
    mathjax: !!window.MathJax,
    containers: document.querySelectorAll('.math .katex').length,
    errors: document.querySelectorAll('.katex-error').length,
    tagged: Array.from(document.querySelectorAll('.katex-display .tag'))
                 .map(t => t.textContent.trim()),
    mathSources: document.querySelectorAll('.math').length,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  };
}"""

#: A page draws a widget only when it nears the screen (book/_static/widgets-loader.js): scroll
#: each widget's output box into view (two frames apiece, IntersectionObserver reports once
#: per frame), then back to the top.
_REVEAL_WIDGETS_JS = """async () => {
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const views = 'script[type="application/vnd.jupyter.widget-view+json"]';
  for (const view of document.querySelectorAll(views)) {
    view.parentElement.scrollIntoView({block: 'center'});
    await frames();
  }
  window.scrollTo(0, 0);
  await frames();
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
        if (
            r.request.url.startswith(base)
            or r.request.url.startswith("data:")
            or r.request.url.startswith("blob:")
        ):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    for rel in _pages(html):
        redirect = _REFRESH.search((html / rel).read_text())
        if redirect:  # the root index.html only forwards to the landing page
            results[rel] = dict(
                status=200,
                console=[],
                failed=[],
                outside=[],
                bytes=0,
                gzip_bytes=0,
                widget_views=0,
                widgets_ok=True,
                mathjax=False,
                containers=0,
                errors=0,
                tagged=[],
                mathSources=0,
                links=[urljoin(base + rel, redirect.group(1))],
            )
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
            'script[type="application/vnd.jupyter.widget-view+json"]'
        ).count()
        widgets_ok = True
        if widget_views:
            try:
                page.evaluate(_REVEAL_WIDGETS_JS)
                page.wait_for_function(_WIDGETS_JS, timeout=30_000)
            except Exception:  # noqa: BLE001 - reported by the widget test
                widgets_ok = False
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.wait_for_load_state("networkidle")
        transferred, gzipped = 0, 0
        for r in requests:
            sizes = r.sizes()
            transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            gzipped += _gzip_size(html, r.url[len(base) :]) if r.url.startswith(base) else 0
        bad_status = [
            f"{r.url} {r.response().status}"
            for r in requests
            if r.response() and r.response().status >= 400
        ]
        results[rel] = dict(
            status=response.status if response else None,
            console=list(console),
            failed=failed + bad_status,
            outside=outside[seen_outside:],
            bytes=transferred,
            gzip_bytes=gzipped,
            widget_views=widget_views,
            widgets_ok=widgets_ok,
            **info,
        )
        page.close()
    context.close()
    return results


def test_site_has_the_book_pages(visits):
    assert "book/intro.html" in visits
    toc = (Path(__file__).resolve().parents[1] / "_toc.yml").read_text()
    chapters = re.findall(r"file: (notebooks/\S+)", toc)
    assert len(chapters) >= 10
    assert {p for p in visits if p.startswith("notebooks/")} == {f"{c}.html" for c in chapters}


def test_every_page_loads_without_console_errors(visits):
    problems = {}
    for rel, v in visits.items():
        unexpected = [
            m for m in v["console"] if not any(known in m for known in KNOWN_CONSOLE_ERRORS)
        ]
        if v["status"] != 200 or unexpected or v["failed"]:
            problems[rel] = dict(status=v["status"], console=unexpected, failed=v["failed"])
    assert not problems, problems


def test_no_request_leaves_localhost(visits):
    outside = {rel: v["outside"] for rel, v in visits.items() if v["outside"]}
    assert not outside, outside


def test_math_is_rendered_at_build_time(visits):
    with_math = [rel for rel, v in visits.items() if v["mathSources"]]
    assert "book/notation.html" in with_math
    for rel in with_math:
        v = visits[rel]
        assert not v["mathjax"], f"{rel}: MathJax loaded"
        assert v["containers"] == v["mathSources"], (
            f"{rel}: {v['mathSources'] - v['containers']} formulas not rendered by KaTeX"
        )
        assert v["errors"] == 0, f"{rel}: {v['errors']} TeX errors (.katex-error)"


def test_equations_1_to_11_are_rendered_with_their_numbers_in_the_chapters(visits):
    tags: dict[int, list[str]] = {}
    for rel, v in visits.items():
        if not rel.startswith("notebooks/"):
            continue
        for label in v["tagged"]:
            for number in TAG.findall(label):
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
    rows = sorted(((v["bytes"], v["gzip_bytes"], rel) for rel, v in visits.items()), reverse=True)
    with capsys.disabled():
        print("\n[book] transferred per page, HTML + everything it loads (raw | gzip -6):")
        for size, gz, rel in rows:
            print(f"  {size / 1e6:6.2f} MB | {gz / 1e6:5.2f} MB  {rel}")
    assert rows[0][0] > 0


# ---------------------------------------------------------------------------------------------
# Layout on a phone and a laptop, light and dark.

#: name -> browser context options. "phone" is a 390x844 touch screen (an iPhone 12-14);
#: "small" a 360-px-wide one, checked for the page width only.
SCREENS = {
    "phone": dict(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    ),
    "desktop": dict(viewport={"width": 1366, "height": 900}),
    "small": dict(
        viewport={"width": 360, "height": 740},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    ),
}
LAYOUTS = [
    ("phone", "light"),
    ("phone", "dark"),
    ("desktop", "light"),
    ("desktop", "dark"),
    ("small", "light"),
]
#: Alt text that only names a file, or says nothing.
_PATH_LIKE = re.compile(
    r"(\.(png|jpe?g|gif|svg|webp)\b)|^(\.\./|\./|/|_images/|_static/)"
    r"|^[0-9a-f]{16,}",
    re.IGNORECASE,
)
_EMPTY_ALT = {"", "image", "figure", "png", "output", "plot", "img", "picture"}

_LAYOUT_JS = """async () => {
  await document.fonts.ready;
  // The browser skips laying out the parts of a long page far from the screen (book.css);
  // measure all of them as a reader scrolling down sees them.
  const all = document.createElement('style');
  all.textContent = '.bd-article section { content-visibility: visible !important; }';
  document.head.appendChild(all);
  const root = document.documentElement;
  const vw = root.clientWidth;
  const article = document.querySelector('.bd-article') || document.body;
  const math = Array.from(document.querySelectorAll('.katex-display')).map(box => {
    box.scrollLeft = 0;
    const r = box.getBoundingClientRect();
    const html = box.querySelector('.katex-html') || box;
    const tag = box.querySelector('.tag');
    const t = tag ? tag.getBoundingClientRect() : null;
    const ox = getComputedStyle(box).overflowX;
    const tex = box.querySelector('annotation');
    return {
      tex: (tex ? tex.textContent : box.textContent).trim().slice(0, 70),
      content: box.scrollWidth, width: box.clientWidth,
      scrolls: ox === 'auto' || ox === 'scroll',
      left: r.left, right: r.right, contentLeft: html.getBoundingClientRect().left,
      tag: tag ? tag.textContent.trim() : null,
      tagVisible: t ? (t.width > 0 && t.left >= r.left - 1 && t.right <= r.right + 1) : true,
    };
  });
  const wide = Array.from(article.querySelectorAll('*'))
    .filter(el => el.getBoundingClientRect().right > vw + 1 && el.getClientRects().length
            && !el.closest('.katex-display, .katex-mathml, pre, '
                           + '.pst-scrollable-table-container, .table-wrapper'))
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
         ? '.' + String(el.className).split(' ').join('.') : '') + ' "'
         + (el.textContent || '').trim().slice(0, 40) + '"');
  const images = Array.from(article.querySelectorAll('img')).map(img => ({
    src: img.getAttribute('src'), alt: img.getAttribute('alt')}));
  const code = Array.from(article.querySelectorAll('pre')).filter(pre =>
      pre.scrollWidth > pre.clientWidth + 1).map(pre => {
    const lines = pre.textContent.split('\\n');
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
    return {chars: longest.length, line: longest.trim().slice(0, 60),
            output: !!pre.closest('.cell_output')};
  });
  return {theme: root.dataset.theme, overflow: root.scrollWidth - vw, vw, wide, math, images, code};
}"""


@pytest.fixture(scope="module")
def layouts(site, browser):
    """{(screen, mode): {page: measurements}} for every page (except the root redirect)."""
    base, html = site
    pages = [rel for rel in _pages(html) if not _REFRESH.search((html / rel).read_text())]
    out = {}
    for screen, mode in LAYOUTS:
        context = browser.new_context(color_scheme=mode, **SCREENS[screen])
        context.add_init_script(
            f"try {{ localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}'); }}"
            " catch (e) {}"
        )
        context.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(base) or r.request.url.startswith(("data:", "blob:"))
                else r.abort()
            ),
        )
        results = {}
        for rel in pages:
            page = context.new_page()
            page.goto(base + rel, wait_until="load")
            if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
                # a widget that never renders is test_widgets_render_offline's failure
                with contextlib.suppress(Exception):
                    page.evaluate(_REVEAL_WIDGETS_JS)
                    page.wait_for_function(_WIDGETS_JS, timeout=30_000)
            results[rel] = page.evaluate(_LAYOUT_JS)
            page.close()
        context.close()
        out[(screen, mode)] = results
    return out


def _report(problems: dict) -> str:
    return "\n".join(f"{key}: {value}" for key, value in problems.items())


def test_dark_mode_is_applied(layouts):
    for (screen, mode), pages in layouts.items():
        wrong = [rel for rel, m in pages.items() if m["theme"] != mode]
        assert not wrong, f"{screen}/{mode}: theme not {mode} on {wrong}"


def test_no_page_is_wider_than_the_screen(layouts):
    problems = {}
    for (screen, mode), pages in layouts.items():
        for rel, m in pages.items():
            if m["overflow"] > 1 or m["wide"]:
                problems[f"{screen}/{mode} {rel}"] = (
                    f"{m['overflow']} px wider than {m['vw']} px; sticking out: {m['wide']}"
                )
    assert not problems, _report(problems)


def test_display_math_fits_or_scrolls_with_its_number_visible(layouts):
    """No formula wider than its box unless the box scrolls; the box inside the screen, the
    formula's start not cut off on the left, and its equation number on screen."""
    problems = {}
    for (screen, mode), pages in layouts.items():
        for rel, m in pages.items():
            for eq in m["math"]:
                issue = []
                if eq["content"] > eq["width"] + 1 and not eq["scrolls"]:
                    issue.append(
                        f"content {eq['content']} px in a {eq['width']} px box that does not scroll"
                    )
                if eq["left"] < -1 or eq["right"] > m["vw"] + 1:
                    issue.append(
                        f"box at {eq['left']:.0f}..{eq['right']:.0f} px outside the screen"
                    )
                if eq["contentLeft"] < eq["left"] - 1:
                    issue.append("start of the formula cut off on the left")
                if not eq["tagVisible"]:
                    issue.append(f"equation number {eq['tag']} not visible")
                if issue:
                    problems[f"{screen}/{mode} {rel} {eq['tex']!r}"] = "; ".join(issue)
    assert not problems, _report(problems)
    assert any(
        eq["content"] > eq["width"]
        for eq in layouts[("phone", "light")]["book/notation.html"]["math"]
    ), "no formula scrolls at 390 px: the test would not see a clipped one"


def test_every_image_has_meaningful_alt_text(layouts):
    """Alt text that says what a figure shows; for a chapter's figure it comes from the code
    cell's metadata (``mystnb: image: alt: ...``, see README), else myst-nb writes the path."""
    problems = {}
    for rel, m in layouts[("desktop", "light")].items():
        bad = [
            img["src"].rsplit("/", 1)[-1] + f" (alt={img['alt']!r})"
            for img in m["images"]
            if img["alt"] is None
            or img["alt"].strip().lower() in _EMPTY_ALT
            or _PATH_LIKE.search(img["alt"].strip())
        ]
        if bad:
            problems[rel] = f"{len(bad)} of {len(m['images'])} images: {bad[:4]}"
    assert not problems, _report(problems)


def test_code_fits_the_column_at_desktop_width(layouts):
    """No code cell or output scrolls sideways at 1366x900 (91 characters fit; the chapters'
    code is formatted to 88). Outputs wrap (book/_static/book.css); code lines must be short."""
    problems = {}
    for mode in ("light", "dark"):
        for rel, m in layouts[("desktop", mode)].items():
            if m["code"]:
                longest = max(m["code"], key=lambda c: c["chars"])
                problems[f"{mode} {rel}"] = (
                    f"{len(m['code'])} blocks scroll; longest line "
                    f"{longest['chars']} chars: {longest['line']!r}"
                )
    assert not problems, _report(problems)


def test_search_snippets_show_no_raw_latex(site, browser):
    base, _ = site
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "search.html?q=posterior", wait_until="load")
    page.wait_for_function(
        "document.querySelectorAll('#search-results li p.context').length >= 3", timeout=30_000
    )
    snippets = page.locator("#search-results li p.context").all_inner_texts()
    context.close()
    raw = [s for s in snippets if re.search(r"\\[a-zA-Z]+|_\{|\^\{", s)]
    assert not raw, raw[:3]


def _tab_stops(page, selector: str) -> tuple[dict, list]:
    """Scroll each box matching ``selector`` into view; count wide and fitting boxes and list
    those whose tab stop does not match (book/_static/book.js sets them as boxes near)."""
    boxes = page.locator(selector)
    seen = {"wide": 0, "fits": 0}
    wrong = []
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if not box.evaluate("b => b.checkVisibility()"):
            continue  # in a closed "Show code" box: measured once the reader opens it
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(50)  # the observer reports on the next frames
        state = box.evaluate(
            """b => ({wide: b.scrollWidth > b.clientWidth + 1, tab: b.getAttribute('tabindex'),
                      role: b.getAttribute('role'), math: b.matches('.katex-display'),
                      text: b.textContent.slice(0, 40)})"""
        )
        seen["wide" if state["wide"] else "fits"] += 1
        if state["math"]:
            ok = state["wide"] == (state["tab"] == "0" and state["role"] == "region")
        else:
            ok = state["tab"] == ("0" if state["wide"] else "-1")
        if not ok:
            wrong.append(state)
    return seen, wrong


def test_a_box_that_scrolls_sideways_gets_a_tab_stop(site, browser):
    """At phone width, every display formula and code block wider than its box, once scrolled
    into view, can be focused and scrolled with the keyboard (book/_static/book.js, which
    does this for the theme's boxes too); one that fits is left out of the tab order."""
    base, _ = site
    context = browser.new_context(**SCREENS["phone"])
    page = context.new_page()
    page.goto(base + "book/notation.html", wait_until="load")
    math_seen, math_wrong = _tab_stops(page, ".katex-display")
    page.goto(base + "notebooks/07_kl_divergence.html", wait_until="load")
    code_seen, code_wrong = _tab_stops(page, "pre")
    context.close()
    assert not math_wrong and not code_wrong, (math_wrong + code_wrong)[:3]
    assert math_seen["wide"] >= 1 and math_seen["fits"] >= 1, math_seen
    assert code_seen["wide"] >= 1 and code_seen["fits"] >= 1, code_seen
