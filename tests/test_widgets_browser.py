"""The latent-space widgets on the built book, in headless chromium, with no kernel and no network.

The book build executes notebooks/10_latent_space and embeds the widgets' state in the page; here
the page is served from 127.0.0.1 and driven like a reader would: dragging and tapping in the
latent planes, arrow keys, every slider. Each action must change the decoded image (canvas
pixels) and the readout. No request may leave 127.0.0.1 and the console must stay clean apart
from the two known harmless messages (/work/shared/notes/toolchain.md).

It also measures, in the browser, the decode time per image of the bundled decoder with the page's own
weights, and the bytes each widget adds to the page; `-s` prints them.

The page comes from test_book.build_book (one `jupyter-book build . -W --keep-going` per session,
shared with test_site_browser.py), or from $VAE_BOOK_HTML when that points at a built site.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_sync = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parents[1]
PAGE = "notebooks/10_latent_space.html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
KNOWN_CONSOLE_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",
                        "Got invalid theme mode")
BUNDLE_JS = (REPO / "vae_core" / "widgets" / "widgets.bundle.js").read_text()  # what the widgets run


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

    def __init__(self, browser, server: str, **context_options) -> None:
        self.context = browser.new_context(**context_options)
        self.outside: list[str] = []
        self.errors: list[str] = []

        def route(r):
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith(("http://", "https://", "ws://", "wss://")) \
                    and host != "127.0.0.1":
                self.outside.append(r.request.url)
                return r.abort()
            return r.continue_()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}")
                     if urlparse(r.url).hostname == "127.0.0.1" else None)
        self.page.goto(f"{server}/{PAGE}", wait_until="load")
        self.page.wait_for_function(
            "document.querySelectorAll('.vae-widget[data-ready]').length >= 4", timeout=60_000)

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


def snapshot(widget) -> tuple[str, str]:
    """(pixels of the big decoded image, readout text) of one widget."""
    pixels = widget.locator("canvas.vae-digit").first.evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data).join(',')")
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


def write_harness(root: Path) -> Path:
    """A static page with one widget of each kind for the shipped models and random digits."""
    import torch
    from vae_core import pretrained
    from vae_core.widgets import Interpolation, LatentPlane, LatentTraversal, PosteriorView

    widgets_dir = REPO / "vae_core" / "widgets"
    model2, _ = pretrained.load_pretrained("mnist-z2")
    model20, _ = pretrained.load_pretrained("mnist-z20")
    gen = torch.Generator().manual_seed(0)
    images = (torch.rand(200, 784, generator=gen) > 0.8).float()  # (N, D)
    labels = torch.arange(200) % 10
    views = [LatentPlane(model2, images, labels, n_points=200),
             PosteriorView(model2, images, labels, digit_indices=[0, 1], resolution=41),
             LatentTraversal(model20, images, labels, activity_images=200),
             Interpolation(model20, images, labels)]
    models = {}
    for v in views:
        models[v.model_id] = v.get_state()
        models[v.decoder.model_id] = v.decoder.get_state()
    root.mkdir(parents=True, exist_ok=True)
    (root / "state.json").write_text(json.dumps({"models": models,
                                                 "views": [v.model_id for v in views]}))
    (root / "harness.js").write_text(HARNESS_SHIM)
    (root / "index.html").write_text(HARNESS_HTML.format())
    for name in ("widgets.bundle.js", "widgets.css"):
        (root / name).write_text((widgets_dir / name).read_text())
    return root


def test_all_four_widgets_render_from_browser_weights(chapter):
    modes = chapter.page.eval_on_selector_all(".vae-widget[data-ready]",
                                              "els => els.map(e => e.dataset.ready)")
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
    page = Page(browser, server, has_touch=True, is_mobile=True,
                viewport={"width": 420, "height": 900})
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


def test_measure_decode_time_and_page_weight(chapter, capsys):
    state = json.loads(chapter.page.locator(
        "script[type='application/vnd.jupyter.widget-state+json']").first.inner_text())["state"]
    payloads = {mid: m["state"]["payload"] for mid, m in state.items()
                if "payload" in m.get("state", {})}
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
        }""", [BUNDLE_JS, list(payloads.values())])
    sizes = {}
    for mid, m in state.items():
        s = m.get("state", {})
        size = len(json.dumps(m, separators=(",", ":")))
        name = {"plane": "LatentPlane", "posterior": "PosteriorView", "traversal":
                "LatentTraversal", "interpolation": "Interpolation"}.get(s.get("kind"))
        if "payload" in s:
            name = f"DecoderWeights Z={s['payload']['layers'][0]['n_in']}"
        if name:
            sizes[name] = size
    with capsys.disabled():
        print("\n[widgets] decode time per image in chromium (median, ms):",
              {k: round(v, 4) for k, v in timing.items()})
        print("[widgets] embedded state per widget (bytes, uncompressed):", sizes)
    assert len(timing) == 2 and all(v < 5 for v in timing.values())  # target < 1 ms; load varies
    assert set(sizes) >= {"LatentPlane", "PosteriorView", "LatentTraversal", "Interpolation"}
