"""The beta explorer in headless chromium, with no kernel and no network.

Twice over: on a page of our own (the bundle with test_widgets_browser's minimal model shim and
an explorer of the shipped family; no book build needed, `-k harness`), and on the built
chapter 11 page, drawn by the book's page-only runtime (book/_static/widgets-loader.js). Moving
the slider must change the reconstructions, the manifold, the R-D plane and the readout; the
pixels the page draws must match Python's decoding of the same latent points to within one gray
level (1/255: the page and NumPy run the same float16 weights and differ only by float32
summation order and the rounding to a gray level); the widget must fit a 390x844 phone and use
a 1366-wide screen; no request may leave 127.0.0.1 and the console must stay clean.

It measures, not asserts, the time from the slider's input event to the redrawn frame, and the
bytes the widget embeds; `-s` prints them.
"""

from __future__ import annotations

import functools
import gzip
import json
import statistics
from pathlib import Path
from urllib.parse import unquote, urlparse, urlsplit

import numpy as np
import pytest
import test_widgets_browser
from test_widgets_browser import (
    DESKTOP,
    PHONE,
    Page,
    reveal_widgets,
    serve_directory,
    settle,
    touch_path,
    vertical_swipe,
    write_widget_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# test_widgets_browser's fixtures, by name: chromium, the built book and its server.
browser = test_widgets_browser.browser
site_dir = test_widgets_browser.site_dir
server = test_widgets_browser.server

CHAPTER = "notebooks/11_rate_distortion.html"
WIDGET = ".vae-widget:has(canvas.vae-rd)"
GRAY_TOL = 1  # gray levels, of 255


@functools.cache
def explorer():
    """The explorer the chapter builds (same models, digits and grid), made in this process."""
    import torch

    from vae_core import data, family
    from vae_core.widgets import BetaExplorer

    torch.set_num_threads(1)
    test_set = data.load("test")
    x = test_set.binarized(seed=0)  # (N, D), as the chapter
    return BetaExplorer(family.load_family(), x[:2000], test_set.labels[:2000], share_images=2000)


@functools.cache
def expected_pixels(index: int) -> tuple[np.ndarray, np.ndarray]:
    """Gray levels Python decodes for slider position `index`: reconstructions (N, D) and the
    manifold sheet (G * 28, G * 28)."""
    from vae_core.widgets.beta import manifold, reconstructions

    w = explorer()
    recon = np.round(255 * reconstructions(w, index))  # (N, D)
    g = len(w.grid)
    tiles = np.round(255 * manifold(w, index)).reshape(g, g, 28, 28)  # (row, col, y, x)
    return recon, tiles.transpose(0, 2, 1, 3).reshape(g * 28, g * 28)


def write_beta_harness(root: Path) -> Path:
    """A static page with the explorer alone, rendered by the bundle (test_widgets_browser's shim)."""
    write_widget_page(root, [explorer()])
    return root


@pytest.fixture(scope="module")
def beta_harness(tmp_path_factory):
    with serve_directory(write_beta_harness(tmp_path_factory.mktemp("beta-harness"))) as url:
        yield url


def open_explorer(browser, base: str, path: str, **options) -> Page:
    """Open the page and wait until the explorer is drawn (on the book page, after scrolling
    it near the screen, as a reader would)."""
    page = Page(browser, base, path, reveal=False, **options)
    reveal_widgets(page.page)
    page.page.wait_for_function(
        f"document.querySelector('{WIDGET}[data-ready][data-shown]') !== null", timeout=60_000
    )
    return page


@pytest.fixture(params=["harness", "book"])
def where(request):
    """(server URL, path) of our own page or of the built chapter 11."""
    if request.param == "harness":
        return request.getfixturevalue("beta_harness"), "index.html"
    return request.getfixturevalue("server"), CHAPTER


def snapshot(page) -> dict:
    """What the explorer shows: reconstruction and manifold gray levels, the R-D canvas, the
    readout and the slider's position."""
    return page.page.evaluate(
        """(sel) => {
        const w = document.querySelector(sel);
        const gray = (c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          return Array.from({length: d.length / 4}, (_, i) => d[4 * i]);
        };
        return {
          recon: [...w.querySelectorAll('canvas[data-role=reconstruction]')].map(gray),
          manifold: gray(w.querySelector('canvas[data-role=manifold]')),
          plane: w.querySelector('canvas.vae-rd').toDataURL(),
          readout: w.querySelector('output.vae-readout').innerText,
          shown: Number(w.dataset.shown),
          slider: Number(w.querySelector('input[type=range]').value),
          label: w.querySelector('canvas.vae-rd').getAttribute('aria-label'),
        };
    }""",
        WIDGET,
    )


def assert_pixels_match_python(shot: dict) -> None:
    recon, sheet = expected_pixels(shot["shown"])
    got_recon = np.array(shot["recon"], dtype=float)  # (N, D)
    got_sheet = np.array(shot["manifold"], dtype=float).reshape(sheet.shape)
    assert got_recon.shape == recon.shape
    assert np.abs(got_recon - recon).max() <= GRAY_TOL
    assert np.abs(got_sheet - sheet).max() <= GRAY_TOL


def test_the_slider_changes_images_plane_and_readout(browser, where):
    page = open_explorer(browser, *where, **DESKTOP)
    try:
        widget = page.page.locator(WIDGET)
        assert widget.get_attribute("data-ready") == "browser"
        slider = widget.locator("input[type=range]")
        assert slider.get_attribute("aria-label")
        start = snapshot(page)
        assert start["shown"] == start["slider"] == 3  # beta = 1
        assert start["readout"].splitlines()[0].split() == ["β", "1"]
        assert_pixels_match_python(start)
        slider.focus()
        seen = [start]
        for key in ["Home"] + ["ArrowRight"] * 6:  # every model, by keyboard
            page.page.keyboard.press(key)
            settle(page.page)
            page.page.wait_for_function(
                f"document.querySelector('{WIDGET}').dataset.shown === "
                f"document.querySelector('{WIDGET} input[type=range]').value"
            )
            shot = snapshot(page)
            prev = seen[-1]
            for part in ("recon", "manifold", "plane", "readout", "label"):
                assert shot[part] != prev[part], f"{key} -> model {shot['shown']}: {part} unchanged"
            assert_pixels_match_python(shot)
            seen.append(shot)
        assert [s["shown"] for s in seen[1:]] == list(range(7))
        assert slider.get_attribute("aria-valuetext") == "β = 10"
        # the close-up on the slider's models, and back
        zoom = widget.locator("button.vae-beta-zoom")
        legend = widget.locator(".vae-legend").inner_text()
        for pressed in ("true", "false"):
            before = snapshot(page)
            zoom.click()
            settle(page.page)
            assert zoom.get_attribute("aria-pressed") == pressed
            assert snapshot(page)["plane"] != before["plane"]
            assert (widget.locator(".vae-legend").inner_text() != legend) == (pressed == "true")
        assert page.outside == [], page.outside
        assert page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


LAYOUT = """(sel) => {
  const w = document.querySelector(sel), r = w.getBoundingClientRect();
  const plane = w.querySelector('canvas.vae-rd').getBoundingClientRect();
  const overflowing = [...w.querySelectorAll('*')].filter(
      (e) => e.getBoundingClientRect().right > innerWidth + 0.5).map((e) => e.tagName);
  return { left: r.left, right: r.right, vw: innerWidth,
           scrollWidth: document.documentElement.scrollWidth, overflowing,
           plane: plane.width, planeHeight: plane.height,
           manifold: w.querySelector('canvas.vae-manifold').getBoundingClientRect().width };
}"""


def test_fits_a_phone_and_uses_a_wide_screen(browser, where):
    page = open_explorer(browser, *where, **PHONE)
    try:
        page.page.locator(WIDGET).scroll_into_view_if_needed()
        settle(page.page)
        phone = page.page.evaluate(LAYOUT, WIDGET)
        assert phone["overflowing"] == [] and phone["right"] <= phone["vw"], phone
        assert phone["scrollWidth"] <= phone["vw"], phone  # no sideways scrolling of the page
        assert phone["plane"] >= 300 and phone["manifold"] >= 250, phone  # large enough to read
        page.page.set_viewport_size(DESKTOP["viewport"])
        page.page.wait_for_timeout(200)
        settle(page.page)
        wide = page.page.evaluate(LAYOUT, WIDGET)
        assert wide["overflowing"] == [] and wide["scrollWidth"] <= wide["vw"], wide
        assert wide["plane"] >= phone["plane"], (phone, wide)
        assert page.outside == [] and page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


def test_touch_a_sideways_drag_moves_the_slider_a_vertical_swipe_scrolls(browser, where):
    page = open_explorer(browser, *where, **PHONE)
    try:
        slider = page.page.locator(f"{WIDGET} input[type=range]")
        slider.scroll_into_view_if_needed()
        settle(page.page)
        box = slider.bounding_box()
        before, top = snapshot(page), page.page.evaluate("scrollY")
        x, y = box["x"] + 0.5 * box["width"], box["y"] + box["height"] / 2
        touch_path(page, vertical_swipe(x, y + 100, -200))
        assert page.page.evaluate("scrollY") > top + 50, "the page did not scroll"
        assert snapshot(page)["slider"] == before["slider"], "a vertical swipe moved the slider"
        slider.scroll_into_view_if_needed()
        settle(page.page)
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        touch_path(page, [(box["x"] + box["width"] * (0.5 + 0.045 * k), y) for k in range(11)])
        page.page.wait_for_function(
            f"document.querySelector('{WIDGET}').dataset.shown === "
            f"document.querySelector('{WIDGET} input[type=range]').value"
        )
        after = snapshot(page)
        assert after["slider"] > before["slider"] and after["recon"] != before["recon"]
        assert after["plane"] != before["plane"]
        assert page.outside == [] and page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


#: Time from the slider's input event to the first frame after the redraw (the reconstructions,
#: the manifold, the plane and the readout all drawn), for each move, in ms.
REDRAW_TIMES = """async (sel) => {
  const w = document.querySelector(sel), slider = w.querySelector('input[type=range]');
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const out = [];
  for (const k of [0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0, 6, 0, 6, 3]) {
    if (String(k) === slider.value) continue;
    await frame();
    const drawn = new Promise((r) => w.addEventListener('vae-redraw', r, { once: true }));
    const t0 = performance.now();
    slider.value = String(k);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await drawn;
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
}"""


def test_measure_input_to_redraw_and_page_weight(browser, server, site_dir, capsys):
    page = open_explorer(browser, server, CHAPTER, **DESKTOP)
    try:
        page.page.locator(WIDGET).scroll_into_view_if_needed()
        settle(page.page)
        times = page.page.evaluate(REDRAW_TIMES, WIDGET)
        settle(page.page)
        page.page.wait_for_load_state("networkidle")
        state_urls = [u for u in page.requests if "/_widget_state/" in u]
        assert len(state_urls) == 1, state_urls
        state = json.loads(
            (site_dir / unquote(urlsplit(state_urls[0]).path).lstrip("/")).read_text()
        )
        sizes: dict[str, int] = {}
        for m in state["state"].values():
            s = m.get("state", {})
            if s.get("kind") == "beta" or "payload" in s:
                key = "explorer" if s.get("kind") == "beta" else "decoders (7)"
                sizes[key] = sizes.get(key, 0) + len(json.dumps(m, separators=(",", ":")))
        gz = {}
        for url in dict.fromkeys(page.requests):
            if urlparse(url).hostname != "127.0.0.1":
                continue
            path = site_dir / unquote(urlsplit(url).path).lstrip("/")
            if path.is_file():
                gz[url] = len(gzip.compress(path.read_bytes(), 6))
        widget_only = sum(
            v
            for u, v in gz.items()
            if "/_widget_state/" in u or urlsplit(u).path.endswith("widgets-loader.js")
        )
        with capsys.disabled():
            print(
                f"\n[beta explorer] input to redrawn frame in chromium, ms: median "
                f"{statistics.median(times):.1f}, max {max(times):.1f} over {len(times)} moves "
                "(10 reconstructions + 81 manifold images per move)"
            )
            print(f"[beta explorer] embedded state, bytes uncompressed: {sizes}")
            total = sum(gz.values())
            print(
                f"[beta explorer] chapter 11 page, gzip -6 of everything it loaded: "
                f"{total / 1e6:.3f} MB; the widget's state and loader {widget_only / 1e6:.3f} MB "
                f"(fetched only when the widget nears the screen); the rest "
                f"{(total - widget_only) / 1e6:.3f} MB"
            )
        assert len(times) >= 10 and all(t > 0 for t in times)
        assert set(sizes) == {"explorer", "decoders (7)"}
        assert page.outside == [] and page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


def test_nothing_widget_sized_loads_before_the_widget_nears_the_screen(browser, server):
    page = Page(browser, server, CHAPTER, reveal=False, **PHONE)
    try:
        page.page.wait_for_load_state("networkidle")
        assert not [u for u in page.requests if "/_widget_state/" in u]
        assert page.page.locator(WIDGET).count() == 0
        page.page.locator(
            ".cell_output:has(> script[type='application/vnd.jupyter.widget-view+json'])"
        ).first.scroll_into_view_if_needed()
        page.page.wait_for_function(
            f"document.querySelector('{WIDGET}[data-ready]') !== null", timeout=60_000
        )
        assert len([u for u in page.requests if "/_widget_state/" in u]) == 1
        assert not [u for u in page.requests if "html-manager/" in u]  # the page-only runtime
        assert page.outside == [] and page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()
