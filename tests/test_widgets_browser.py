"""The latent-space widgets on the built book, in headless chromium, with no kernel and no network.

The book build executes notebooks/10_latent_space and embeds the widgets' state in the page; here
the page is served from 127.0.0.1 and driven like a reader would: dragging and tapping in the
latent planes, arrow keys, every slider. Each action must change the decoded image (canvas
pixels) and the readout. No request may leave 127.0.0.1 and the console must stay clean apart
from the two known harmless messages (/work/shared/notes/toolchain.md).

It also measures, in the browser, the decode time per image of the bundled decoder with the
page's own weights, and the bytes each widget adds to the page; `-s` prints them.

The instrument tests (size from the column at 390 px, touch swipes, WCAG AA contrast in light and
dark mode, the Lumino shortcut attribute, axis ticks) run twice: on the book page, and on a page
of our own (`write_harness`: the bundle with a minimal model shim and the shipped models), which
needs no book build (`-k harness`).

The page comes from test_book.build_book (one `jupyter-book build . -W --keep-going` per session,
shared with test_site_browser.py), or from $VAE_BOOK_HTML when that points at a built site.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_sync = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parents[1]
PAGE = "notebooks/10_latent_space.html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KNOWN_CONSOLE_ERRORS = (
    "Identifier 'THEBE_JS_URL' has already been declared",
    "Got invalid theme mode",
)
BUNDLE_JS = (REPO / "vae_core" / "widgets" / "widgets.bundle.js").read_text()  # what widgets run


@pytest.fixture(scope="module")
def site_dir() -> Path:
    """The built book: $VAE_BOOK_HTML if set (a build made elsewhere), else built here once."""
    if os.environ.get("VAE_BOOK_HTML"):
        root = Path(os.environ["VAE_BOOK_HTML"])
        if not (root / PAGE).is_file():
            pytest.fail(f"VAE_BOOK_HTML={root} has no {PAGE}")
        return root
    from test_book import build_book  # the session's one build, shared with test_site_browser

    build = build_book()
    if build.returncode != 0:
        pytest.fail(f"book build failed (exit {build.returncode}); see _build/book-build.log")
    return build.html


@pytest.fixture(scope="module")
def server(site_dir):
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"chromium not found at {CHROMIUM}: `apt-get install chromium` (.ci/run does)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """The chapter page with every request and console message recorded."""

    def __init__(
        self, browser, server: str, path: str = PAGE, reveal: bool = True, **context_options
    ) -> None:
        """Open ``path``; with ``reveal``, scroll past every widget and wait until all four
        are drawn (the book draws a widget only when it nears the screen)."""
        self.context = browser.new_context(**context_options)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []  # every URL the page asked for, in order

        def route(r):
            host = urlparse(r.request.url).hostname
            if (
                r.request.url.startswith(("http://", "https://", "ws://", "wss://"))
                and host != "127.0.0.1"
            ):
                self.outside.append(r.request.url)
                return r.abort()
            return r.continue_()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "requestfailed",
            lambda r: (
                self.errors.append(f"failed: {r.url} {r.failure}")
                if urlparse(r.url).hostname == "127.0.0.1"
                else None
            ),
        )
        self.page.goto(f"{server}/{path}", wait_until="load")
        if reveal:
            reveal_widgets(self.page)
            self.page.wait_for_function(
                "document.querySelectorAll('.vae-widget[data-ready]').length >= 4", timeout=60_000
            )

    def widget(self, selector: str):
        return self.page.locator(".vae-widget", has=self.page.locator(selector))

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(k in e for k in KNOWN_CONSOLE_ERRORS)]

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def chapter(browser, server):
    page = Page(browser, server)
    yield page
    page.close()


#: Scroll each widget output box of the book page (book/_static/widgets-loader.js draws a
#: widget when its box nears the screen) to the middle of the screen, two frames apiece
#: (IntersectionObserver reports once per frame), then back to the top. A page without widget
#: outputs (our own harness) is left as it is.
REVEAL_JS = """async () => {
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const views = 'script[type="application/vnd.jupyter.widget-view+json"]';
  for (const view of document.querySelectorAll(views)) {
    view.parentElement.scrollIntoView({block: 'center'});
    await frames();
  }
  window.scrollTo(0, 0);
  await frames();
}"""


def reveal_widgets(page) -> None:
    page.evaluate(REVEAL_JS)


def snapshot(widget) -> tuple[str, str]:
    """(pixels of the big decoded image, readout text) of one widget."""
    pixels = widget.locator("canvas.vae-digit").first.evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data).join(',')"
    )
    return pixels, widget.locator("output.vae-readout").inner_text()


def settle(page) -> None:
    """Wait two animation frames: the views redraw at most once per frame."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


# ---- a page of our own: the four widgets rendered by the bundle with a minimal model shim ----

HARNESS_SHIM = """
import widget from "./widgets.bundle.js";
const states = await (await fetch("./state.json")).json();
const manager = { get_model: async (id) => models[id] };
class Model {
  constructor(state) { this.state = state; this.handlers = {}; this.widget_manager = manager; }
  get(key) { return this.state[key]; }
  set(key, value) { this.state[key] = value; (this.handlers[`change:${key}`] || []).forEach((f) => f()); }
  on(event, fn) { (this.handlers[event] ||= []).push(fn); }
  save_changes() {}
}
const models = Object.fromEntries(Object.entries(states.models).map(([id, s]) => [id, new Model(s)]));
for (const id of states.views) {
  const el = document.createElement("div");
  document.getElementById("cells").append(el);
  await widget.render({ model: models[id], el });
}
document.body.dataset.rendered = "yes";
"""

HARNESS_HTML = """<!doctype html>
<html lang="en" data-theme="light"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>widget harness</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="widgets.css">
<style>body {{ margin: 0; background: #fff; }} html[data-theme=dark] body {{ background: #14181e; }}
main {{ max-width: 730px; margin: 0 auto; padding: 0 16px; }} .spacer {{ height: 1500px; }}</style>
</head><body><main><p>top</p><div id="cells"></div><div class="spacer"></div></main>
<script type="module" src="harness.js"></script></body></html>
"""


def write_widget_page(root: Path, views: list) -> None:
    """index.html under ``root`` showing ``views`` (anywidgets), drawn by the bundle through
    HARNESS_SHIM from a state.json holding each view's state and its decoder's (``decoders``
    for a view with several)."""
    models = {}
    for v in views:
        models[v.model_id] = v.get_state()
        for d in getattr(v, "decoders", None) or [v.decoder]:
            models[d.model_id] = d.get_state()
    root.mkdir(parents=True, exist_ok=True)
    (root / "state.json").write_text(
        json.dumps({"models": models, "views": [v.model_id for v in views]})
    )
    (root / "harness.js").write_text(HARNESS_SHIM)
    (root / "index.html").write_text(HARNESS_HTML.format())
    for name in ("widgets.bundle.js", "widgets.css"):
        (root / name).write_text((REPO / "vae_core" / "widgets" / name).read_text())


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Yield the base URL of ``root`` served on 127.0.0.1 (a free port) by a thread."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def write_harness(root: Path) -> Path:
    """A static page with one widget of each kind for the shipped models and random digits."""
    import torch

    from vae_core import pretrained
    from vae_core.widgets import Interpolation, LatentPlane, LatentTraversal, PosteriorView

    model2, _ = pretrained.load_pretrained("mnist-z2")
    model20, _ = pretrained.load_pretrained("mnist-z20")
    gen = torch.Generator().manual_seed(0)
    images = (torch.rand(200, 784, generator=gen) > 0.8).float()  # (N, D)
    labels = torch.arange(200) % 10
    views = [
        LatentPlane(model2, images, labels, n_points=200),
        PosteriorView(model2, images, labels, digit_indices=[0, 1], resolution=41),
        LatentTraversal(model20, images, labels, activity_images=200),
        Interpolation(model20, images, labels),
    ]
    write_widget_page(root, views)
    # Lumino's CommandRegistry (the key handling of JupyterLab and Notebook 7), for the keys test.
    esbuild = REPO / "node_modules" / ".bin" / "esbuild"
    if not esbuild.is_file():
        pytest.fail("node_modules missing: run `npm ci` (make assets does)")
    subprocess.run(
        [
            str(esbuild),
            "--bundle",
            "--format=esm",
            "--log-level=warning",
            f"--outfile={root / 'lumino.js'}",
        ],
        cwd=REPO,
        check=True,
        timeout=60,
        input='export { CommandRegistry } from "@lumino/commands";',
        text=True,
    )
    return root


def test_all_four_widgets_render_from_browser_weights(chapter):
    modes = chapter.page.eval_on_selector_all(
        ".vae-widget[data-ready]", "els => els.map(e => e.dataset.ready)"
    )
    assert modes == ["browser"] * len(modes) and len(modes) == 4
    for selector in ("canvas.vae-plane", "input[type=range]", "select"):
        for node in chapter.page.locator(f".vae-widget {selector}").all():
            label = node.get_attribute("aria-label")
            assert label, f"{selector} without aria-label"


@pytest.mark.parametrize("which", [0, 1], ids=["latent-plane", "posterior-view"])
def test_dragging_in_the_plane_changes_image_and_readout(chapter, which):
    widget = chapter.widget("canvas.vae-plane").nth(which)
    plane = widget.locator("canvas.vae-plane")
    plane.scroll_into_view_if_needed()
    box = plane.bounding_box()
    before = snapshot(widget)
    mouse = chapter.page.mouse
    mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    mouse.down()
    mouse.move(box["x"] + 0.8 * box["width"], box["y"] + 0.25 * box["height"], steps=8)
    mouse.up()
    settle(chapter.page)
    after_drag = snapshot(widget)
    assert after_drag[0] != before[0], "the decoded image did not change"
    assert after_drag[1] != before[1], "the readout did not change"
    plane.focus()
    for _ in range(5):
        chapter.page.keyboard.press("Shift+ArrowLeft")
    settle(chapter.page)
    after_keys = snapshot(widget)
    assert after_keys[0] != after_drag[0] and after_keys[1] != after_drag[1]


def test_picking_another_digit_changes_the_readout(chapter):
    widget = chapter.widget("canvas.vae-plane").first
    before = snapshot(widget)
    widget.locator("select").select_option(index=1)
    settle(chapter.page)
    assert snapshot(widget)[1] != before[1]


def test_every_traversal_slider_changes_image_and_readout(chapter):
    widget = chapter.widget(".vae-sliders")
    sliders = widget.locator(".vae-sliders input[type=range]")
    assert sliders.count() == 20
    for i in range(sliders.count()):
        before = snapshot(widget)
        sliders.nth(i).focus()
        chapter.page.keyboard.press("End" if i % 2 == 0 else "Home")
        settle(chapter.page)
        after = snapshot(widget)
        assert after[1] != before[1], f"slider {i + 1}: readout unchanged"
        assert after[0] != before[0], f"slider {i + 1}: image unchanged"


def test_interpolation_slider_and_pickers(chapter):
    widget = chapter.widget(".vae-strip")
    slider = widget.locator("input[type=range]")
    before = snapshot(widget)
    slider.focus()
    chapter.page.keyboard.press("Home")
    settle(chapter.page)
    at_start = snapshot(widget)
    assert at_start[0] != before[0] and at_start[1] != before[1]
    strip = widget.locator(".vae-strip canvas").first.evaluate("c => c.toDataURL()")
    widget.locator("select").first.select_option(index=5)
    settle(chapter.page)
    assert widget.locator(".vae-strip canvas").first.evaluate("c => c.toDataURL()") != strip
    assert snapshot(widget)[0] != at_start[0]


def test_touch_tap_moves_the_point(browser, server):
    page = Page(
        browser, server, has_touch=True, is_mobile=True, viewport={"width": 420, "height": 900}
    )
    try:
        widget = page.widget("canvas.vae-plane").first
        plane = widget.locator("canvas.vae-plane")
        plane.scroll_into_view_if_needed()
        box = plane.bounding_box()
        before = snapshot(widget)
        page.page.touchscreen.tap(box["x"] + 0.2 * box["width"], box["y"] + 0.7 * box["height"])
        settle(page.page)
        assert snapshot(widget) != before
        assert page.outside == []
        assert page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


def test_no_network_and_clean_console(chapter):
    settle(chapter.page)
    assert chapter.outside == [], f"requests left 127.0.0.1: {chapter.outside[:5]}"
    assert chapter.unexpected_errors() == [], chapter.unexpected_errors()


#: What the book page must not fetch before a widget nears the screen (the saved state), and
#: never while the page-only runtime covers every view (the Jupyter widget manager).
STATE_URL = "/_widget_state/"
WIDGET_MANAGER = ("html-manager/", "requirejs/require.js", "anywidget/index.js")


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_widgets_load_only_near_the_screen_and_without_the_widget_manager(browser, server, screen):
    options = PHONE if screen == "phone" else DESKTOP
    page = Page(browser, server, reveal=False, **options)
    try:
        p = page.page
        p.wait_for_load_state("networkidle")
        boxes = p.locator(
            ".cell_output:has(> script[type='application/vnd.jupyter.widget-view+json'])"
        )
        assert boxes.count() == 4
        # Loaded and idle at the top: nothing widget-sized asked for, the page unchanged (no
        # widget, no slot), and every output box holds room for its widget.
        assert not [u for u in page.requests if STATE_URL in u or u.endswith(WIDGET_MANAGER)]
        assert p.locator(".vae-widget, .book-widget-slot").count() == 0
        heights = boxes.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
        assert all(height >= 300 for height in heights), heights
        first_top = boxes.first.evaluate("e => e.getBoundingClientRect().top")
        assert first_top > 2 * p.viewport_size["height"], "the first widget is on the first screen"

        # Scroll to the first widget: it is drawn and live, the state fetched once.
        boxes.first.scroll_into_view_if_needed()
        p.wait_for_function(
            "document.querySelector('.book-widget-slot .vae-widget[data-ready]') !== null",
            timeout=60_000,
        )
        widget = page.widget("canvas.vae-plane").first
        plane = widget.locator("canvas.vae-plane")
        plane.scroll_into_view_if_needed()
        before = snapshot(widget)
        plane.focus()
        for _ in range(4):
            p.keyboard.press("Shift+ArrowUp")
        settle(p)
        after = snapshot(widget)
        assert after[0] != before[0] and after[1] != before[1], "the widget does not respond"
        slot = boxes.first.locator(".book-widget-slot")
        assert slot.count() == 1 and slot.get_attribute("aria-busy") is None

        # The rest, as the reader scrolls on; still no widget manager, one state request,
        # no request off 127.0.0.1, a clean console.
        reveal_widgets(p)
        p.wait_for_function(
            "document.querySelectorAll('.book-widget-slot .vae-widget[data-ready]').length === 4",
            timeout=60_000,
        )
        p.wait_for_load_state("networkidle")
        assert len([u for u in page.requests if STATE_URL in u]) == 1
        released = boxes.evaluate_all("els => els.map(e => getComputedStyle(e).minHeight)")
        assert released == ["0px"] * 4, "a drawn widget's box still holds reserved room"
        assert not [u for u in page.requests if u.endswith(WIDGET_MANAGER)]
        assert page.outside == [], page.outside
        assert page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


def test_a_view_the_runtime_does_not_cover_gets_the_widget_manager(browser, server):
    """A widget whose layout sets a style is not a bare anywidget: the page then hands every
    view to the real widget manager (served from the build), which draws all four."""
    page = Page(browser, server, reveal=False)
    try:

        def styled(route):
            state = json.loads(route.fetch().text())
            layouts = [m for m in state["state"].values() if m["model_name"] == "LayoutModel"]
            layouts[0]["state"]["border_top"] = "3px solid rgb(200, 0, 0)"
            route.fulfill(body=json.dumps(state), content_type="application/json")

        page.page.route("**/_widget_state/**", styled)
        page.page.wait_for_load_state("networkidle")  # a reload cancels requests in flight
        page.page.reload(wait_until="load")
        # What the reload itself cancelled (a late favicon request, say) is not a fault.
        page.errors = [e for e in page.errors if "net::ERR_ABORTED" not in e]
        reveal_widgets(page.page)
        page.page.wait_for_function(
            "document.querySelectorAll('.vae-widget[data-ready]').length >= 4", timeout=90_000
        )
        assert any("html-manager/embed-amd.js" in u for u in page.requests)
        assert page.page.locator(".book-widget-slot").count() == 0
        # The manager applies a layout through its own view, which may come after the render.
        page.page.wait_for_function(
            """() => [...document.querySelectorAll('.vae-widget')]
                       .some(e => getComputedStyle(e).borderTopStyle === 'solid')""",
            timeout=30_000,
        )
        borders = page.page.eval_on_selector_all(
            ".vae-widget", "els => els.map(e => getComputedStyle(e).borderTopStyle)"
        )
        assert borders.count("solid") == 1, borders
        assert page.outside == [], page.outside
        assert page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


def test_measure_decode_time_and_page_weight(chapter, capsys):
    state = chapter.page.evaluate(
        """() => fetch(document.querySelector('script[data-widget-state]')
                         .getAttribute('data-widget-state')).then(r => r.json())"""
    )["state"]
    payloads = {
        mid: m["state"]["payload"] for mid, m in state.items() if "payload" in m.get("state", {})
    }
    timing = chapter.page.evaluate(
        """async ([source, payloads]) => {
            const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
            const dec = await import(url);
            const out = {};
            for (const p of payloads) {
              const net = dec.loadDecoder(p);
              dec.timeDecode(net, 50, 1);  // warm up the JIT
              out[`Z=${net.Z}`] = dec.timeDecode(net, 500, 7);
            }
            return out;
        }""",
        [BUNDLE_JS, list(payloads.values())],
    )
    sizes = {}
    for m in state.values():
        s = m.get("state", {})
        size = len(json.dumps(m, separators=(",", ":")))
        name = {
            "plane": "LatentPlane",
            "posterior": "PosteriorView",
            "traversal": "LatentTraversal",
            "interpolation": "Interpolation",
        }.get(s.get("kind"))
        if "payload" in s:
            name = f"DecoderWeights Z={s['payload']['layers'][0]['n_in']}"
        if name:
            sizes[name] = size
    with capsys.disabled():
        print(
            "\n[widgets] decode time per image in chromium (median, ms):",
            {k: round(v, 4) for k, v in timing.items()},
        )
        print("[widgets] embedded state per widget (bytes, uncompressed):", sizes)
    assert len(timing) == 2 and all(v < 5 for v in timing.values())  # target < 1 ms; load varies
    assert set(sizes) >= {"LatentPlane", "PosteriorView", "LatentTraversal", "Interpolation"}


# ---- instruments: size, touch, contrast, keys, axes (on the book page and on our own page) ----

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def harness_server(tmp_path_factory):
    """Our own page (write_harness): the widgets without the book build, served on 127.0.0.1."""
    with serve_directory(write_harness(tmp_path_factory.mktemp("harness"))) as url:
        yield url


@pytest.fixture(params=["harness", "book"])
def open_page(request, browser):
    """open_page(**context options) -> Page, on our own page or on the built chapter."""
    if request.param == "harness":
        server, path = request.getfixturevalue("harness_server"), "index.html"
    else:
        server, path = request.getfixturevalue("server"), PAGE
    pages = []

    def open_(**options) -> Page:
        pages.append(Page(browser, server, path, **options))
        return pages[-1]

    yield open_
    for page in pages:
        assert page.outside == [], f"requests left 127.0.0.1: {page.outside[:5]}"
        assert page.unexpected_errors() == [], page.unexpected_errors()
        page.close()


def touch_path(page, points) -> None:
    """One finger down at points[0], moved through the rest, lifted (Chrome's touch input)."""
    cdp = page.context.new_cdp_session(page.page)
    (x, y), rest = points[0], points[1:]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in rest:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.page.wait_for_timeout(400)  # let a scroll finish
    settle(page.page)


def vertical_swipe(x: float, y: float, dy: float, steps: int = 10) -> list:
    return [(x, y + dy * k / steps) for k in range(steps + 1)]


PLANE_SIZES = """() => [...document.querySelectorAll('canvas.vae-plane')].map(c => ({
    css: c.getBoundingClientRect().width, box: c.parentElement.getBoundingClientRect().width,
    backing: c.width, dpr: devicePixelRatio,
    widgetRight: c.closest('.vae-widget').getBoundingClientRect().right, vw: innerWidth}))"""


def test_plane_canvas_is_sized_from_its_column(open_page):
    phone = open_page(**PHONE)
    sizes = phone.page.evaluate(PLANE_SIZES)
    assert len(sizes) == 2
    for s in sizes:
        assert abs(s["css"] - s["box"]) <= 1, s  # the canvas fills its box
        assert s["backing"] == round(s["css"] * s["dpr"]), s  # sharp: pixels = CSS px * dpr
        assert s["css"] >= 300 and s["widgetRight"] <= s["vw"], s  # large, and on screen
    phone.page.set_viewport_size({"width": 1366, "height": 900})  # the column widens
    phone.page.wait_for_timeout(200)
    settle(phone.page)
    wide = phone.page.evaluate(PLANE_SIZES)
    for before, after in zip(sizes, wide):
        assert after["css"] > before["css"] + 30, (before, after)
        assert after["backing"] == round(after["css"] * after["dpr"]), after


def test_sliders_and_planes_let_vertical_swipes_through(open_page):
    page = open_page(**PHONE)
    actions = page.page.eval_on_selector_all(
        ".vae-widget input[type=range], .vae-widget canvas.vae-plane",
        "els => els.map(e => getComputedStyle(e).touchAction)",
    )
    assert len(actions) == 23 and all("pan-y" in a for a in actions), actions


def test_vertical_swipe_on_a_slider_scrolls_the_page_not_the_slider(open_page):
    page = open_page(**PHONE)
    widget = page.widget(".vae-sliders")
    slider = widget.locator(".vae-sliders input[type=range]").nth(3)
    slider.scroll_into_view_if_needed()
    settle(page.page)
    box = slider.bounding_box()
    before, value, top = snapshot(widget), slider.input_value(), page.page.evaluate("scrollY")
    touch_path(
        page, vertical_swipe(box["x"] + 0.85 * box["width"], box["y"] + box["height"] / 2, -200)
    )
    assert page.page.evaluate("scrollY") > top + 50, "the page did not scroll"
    assert slider.input_value() == value and snapshot(widget) == before, "the slider moved"
    box = slider.bounding_box()  # a sideways drag still moves it
    y = box["y"] + box["height"] / 2
    touch_path(page, [(box["x"] + box["width"] * (0.5 + 0.04 * k), y) for k in range(11)])
    assert slider.input_value() != value and snapshot(widget)[0] != before[0]


def test_plane_lets_the_page_scroll_and_the_point_be_dragged(open_page):
    page = open_page(**PHONE)
    widget = page.widget("canvas.vae-plane").first
    plane = widget.locator("canvas.vae-plane")
    plane.scroll_into_view_if_needed()
    settle(page.page)
    box = plane.bounding_box()
    at = (box["x"] + 0.6 * box["width"], box["y"] + 0.45 * box["height"])
    page.page.touchscreen.tap(*at)  # a tap puts the point under the finger
    settle(page.page)
    tapped, top = snapshot(widget), page.page.evaluate("scrollY")
    # a swipe that starts away from the point scrolls the page and leaves z alone
    touch_path(
        page, vertical_swipe(box["x"] + 0.9 * box["width"], box["y"] + 0.85 * box["height"], -150)
    )
    assert page.page.evaluate("scrollY") > top + 50, "the plane trapped the page scroll"
    assert snapshot(widget) == tapped
    # a drag that starts on the point moves it, even vertically, and does not scroll
    plane.scroll_into_view_if_needed()
    settle(page.page)
    box = plane.bounding_box()
    at = (box["x"] + 0.6 * box["width"], box["y"] + 0.45 * box["height"])
    top = page.page.evaluate("scrollY")
    touch_path(page, [(at[0] + 3 * k, at[1] + 6 * k) for k in range(11)])
    dragged = snapshot(widget)
    assert dragged[0] != tapped[0] and dragged[1] != tapped[1], "dragging the point did nothing"
    assert abs(page.page.evaluate("scrollY") - top) < 2, "dragging the point scrolled the page"


CONTRAST = r"""() => {
  const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (a, b) => { const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
                            return (hi + 0.05) / (lo + 0.05); };
  const parse = (text) => {
    const hex = text.trim().match(/^#([0-9a-f]{6})$/i);
    if (hex) {
      const v = parseInt(hex[1], 16);
      return { rgb: [v >> 16, (v >> 8) & 255, v & 255], a: 1 };
    }
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) throw new Error(`unparsed color ${text}`);
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 };
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.a > 0.99) return c.rgb;
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll(".vae-widget *")) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if ((!text && el.tagName !== "SELECT") || el.tagName === "OPTION") continue;
    out.push([`${el.tagName}.${el.className}`,
              ratio(parse(getComputedStyle(el).color).rgb, background(el))]);
  }
  for (const w of document.querySelectorAll(".vae-widget")) {  // the canvases' tick labels
    const css = getComputedStyle(w);
    out.push(["canvas text", ratio(parse(css.getPropertyValue("--vae-fg")).rgb,
                                   parse(css.getPropertyValue("--vae-canvas-bg")).rgb)]);
  }
  return out;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(open_page, theme):
    page = open_page(**DESKTOP)
    page.page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    settle(page.page)
    ratios = page.page.evaluate(CONTRAST)
    assert len(ratios) > 50
    low = [(what, round(r, 2)) for what, r in ratios if r < 4.5]
    assert low == [], f"{theme}: text below 4.5:1 -> {low[:10]}"


def test_every_control_tells_lumino_to_leave_its_keys_alone(open_page):
    """Lumino's CommandRegistry skips key bindings when the event target or an ancestor has the
    data-lm-suppress-shortcuts attribute (JupyterLab, Notebook 7): every focusable control must."""
    page = open_page(**DESKTOP)
    found = page.page.eval_on_selector_all(
        ".vae-widget canvas[tabindex], .vae-widget input, .vae-widget select, .vae-widget button",
        "els => els.map(e => e.closest('[data-lm-suppress-shortcuts]') !== null)",
    )
    assert len(found) >= 26 and all(found)


def test_plane_axes_have_tick_labels_in_the_margins(open_page):
    page = open_page(**DESKTOP)
    inked = page.page.eval_on_selector_all(
        "canvas.vae-plane",
        """els => els.map(c => {
        const ctx = c.getContext('2d'), s = c.width / c.getBoundingClientRect().width;
        const ink = (x, y, w, h) => {
          const d = ctx.getImageData(x * s, y * s, w * s, h * s).data, bg = d.slice(0, 3);
          let n = 0;
          for (let i = 0; i < d.length; i += 4) {
            if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) > 60) n++;
          }
          return n;
        };
        const w = c.getBoundingClientRect().width;
        return { below: ink(0, w - 50, w, 50), left: ink(0, 0, 50, w - 50) };
    })""",
    )
    assert len(inked) == 2
    for margins in inked:
        assert margins["below"] > 100 and margins["left"] > 100, margins  # tick labels drawn


def test_harness_controls_change_the_image(browser, harness_server):
    page = Page(browser, harness_server, "index.html", **DESKTOP)
    try:
        for selector, key in (
            ("canvas.vae-plane", "Shift+ArrowRight"),
            (".vae-sliders input[type=range]", "End"),
            (".vae-strip", "Home"),
        ):
            widget = page.widget(selector).first
            control = widget.locator("canvas.vae-plane, input[type=range]").first
            before = snapshot(widget)
            control.focus()
            for _ in range(3):
                page.page.keyboard.press(key)
            settle(page.page)
            after = snapshot(widget)
            assert after[0] != before[0] and after[1] != before[1], selector
        assert page.outside == [] and page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


LUMINO_SHELL = """async () => {
  const { CommandRegistry } = await import("./lumino.js");
  const registry = new CommandRegistry();
  window.shortcutsFired = [];
  registry.addCommand("notebook:move", { execute: () => window.shortcutsFired.push("move") });
  for (const keys of ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Shift ArrowRight",
                      "Home", "End"]) {
    registry.addKeyBinding({ keys: [keys], selector: "body", command: "notebook:move" });
  }
  // As a Lumino Application does: every keydown, in the capture phase, goes to the registry,
  // which runs a matching binding and stops the event before it reaches the control.
  document.addEventListener("keydown", (e) => registry.processKeydownEvent(e), true);
}"""


@pytest.mark.parametrize("suppressed", [True, False], ids=["attribute", "without-attribute"])
def test_arrow_keys_reach_the_controls_under_lumino_shortcuts(browser, harness_server, suppressed):
    """With Notebook 7's shortcut handling (a real Lumino CommandRegistry) on the page, keys on a
    focused plane or slider move it and fire no shortcut; without the attribute they would not."""
    page = Page(browser, harness_server, "index.html", **DESKTOP)
    try:
        page.page.evaluate(LUMINO_SHELL)
        if not suppressed:  # the control experiment: what Notebook 7 did before
            page.page.evaluate(
                "document.querySelectorAll('[data-lm-suppress-shortcuts]')"
                ".forEach(e => e.removeAttribute('data-lm-suppress-shortcuts'))"
            )
        for selector, key in (
            ("canvas.vae-plane", "Shift+ArrowRight"),
            (".vae-sliders input[type=range]", "End"),
        ):
            widget = page.widget(selector).first
            before = snapshot(widget)
            widget.locator(selector).first.focus()
            page.page.keyboard.press(key)
            settle(page.page)
            moved = snapshot(widget)[0] != before[0]
            fired = page.page.evaluate("window.shortcutsFired.splice(0)")
            assert (moved, fired) == ((True, []) if suppressed else (False, ["move"])), selector
    finally:
        page.close()
