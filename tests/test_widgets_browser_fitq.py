"""FitQ in headless chromium, with no kernel and no network, on a page of our own (the bundle
with the minimal model shim of test_widgets_browser.py; no book build needed), and once on the
built chapter (`-k book`).

A reader's every control must change the picture and the readouts: dragging and tapping q's
mean, the arrow keys, both sliders, both buttons; the buttons must show the very numbers that
Python computes for those Gaussians. It must fit a 390-px phone. No request may leave
127.0.0.1 and the console must stay clean. `-s` prints the input-to-redraw times measured in
the page (no timing is asserted).
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
import test_widgets_browser as shared
from test_widgets_browser import (
    DESKTOP,
    PHONE,
    Page,
    serve_directory,
    settle,
    write_widget_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
browser = shared.browser  # the same chromium fixture (module scope) as the other widget tests
site_dir = shared.site_dir  # the built book ($VAE_BOOK_HTML, or the session's one build)
server = shared.server
CHAPTER = "notebooks/12_inference_gaps.html"

DIGIT = 511  # a test digit whose encoder misses the best Gaussian by several nats


def write_fitq_page(root: Path):
    """index.html with one FitQ for the shipped 2-D model; returns the widget (Python side)."""
    from vae_core import data, pretrained
    from vae_core.widgets import FitQ

    model, _ = pretrained.load_pretrained("mnist-z2")
    test = data.load("test")
    widget = FitQ(model, test.binarized(seed=0), test.labels, digit_index=DIGIT)
    write_widget_page(root, [widget])
    return widget


@pytest.fixture(scope="module")
def fitq_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("fitq")
    widget = write_fitq_page(root)
    with serve_directory(root) as url:
        yield url, widget


def open_fitq(browser, site, **options) -> Page:
    page = Page(browser, site, "index.html", reveal=False, **options)
    page.page.wait_for_selector(".vae-widget[data-ready] .vae-bar", timeout=60_000)
    return page


def state(page: Page) -> tuple[str, str, str]:
    """(plane pixels, readout text, bar widths) of the widget."""
    pixels = page.page.locator("canvas.vae-plane").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let h = 0; for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) | 0; return h; }"
    )
    bar = page.page.locator(".vae-bar-elbo").evaluate("e => e.style.width")
    return str(pixels), page.page.locator("output.vae-readout").inner_text(), bar


def nats(value: float) -> str:
    """A number as the page writes it: two decimals, a true minus sign."""
    return f"{value:.2f}".replace("-", "\u2212")


def readout(page: Page, row: str) -> str:
    return page.page.locator("output.vae-readout tr", has_text=row).locator("td").inner_text()


def test_every_control_changes_the_picture_and_the_readouts(browser, fitq_site):
    site, _ = fitq_site
    page = open_fitq(browser, site, **DESKTOP)
    try:
        canvas = page.page.locator("canvas.vae-plane")
        sliders = page.page.locator(".vae-widget input[type=range]")
        assert sliders.count() == 2
        for control, key in (
            (canvas, "Shift+ArrowRight"),
            (sliders.nth(0), "End"),
            (sliders.nth(1), "Home"),
        ):
            before = state(page)
            control.focus()
            for _ in range(3):
                page.page.keyboard.press(key)
            settle(page.page)
            after = state(page)
            assert after[0] != before[0] and after[1] != before[1], key
        box = canvas.bounding_box()
        before = state(page)
        page.page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
        page.page.mouse.down()
        page.page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
        page.page.mouse.up()
        settle(page.page)
        after = state(page)
        assert after[0] != before[0] and after[1] != before[1] and after[2] != before[2]
        for label in ("ELBO(q)", "KL(q", "ELBO + KL", "log p(x)"):
            assert label in after[1]
        assert page.outside == [], page.outside
        assert page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()


def test_buttons_show_the_numbers_python_computes(browser, fitq_site):
    site, widget = fitq_site
    page = open_fitq(browser, site, **DESKTOP)
    try:
        for button, q in (("best diagonal q", widget.best_q), ("encoder's q", widget.encoder_q)):
            page.page.get_by_role("button", name=button).click()
            settle(page.page)
            expected = widget.readouts(q["mu"], q["logvar"])
            assert readout(page, "ELBO(q)") == nats(expected["elbo"])
            assert readout(page, "KL(q") == nats(expected["kl"])
            assert readout(page, "log p(x)") == nats(expected["log_px"])
            assert readout(page, "ELBO + KL") == nats(expected["log_px"])
        assert page.outside == [] and page.unexpected_errors() == []
    finally:
        page.close()


def test_fits_a_phone_and_a_tap_moves_q(browser, fitq_site):
    site, _ = fitq_site
    page = open_fitq(browser, site, **PHONE)
    try:
        widths = page.page.evaluate(
            "() => [document.documentElement.scrollWidth,"
            " document.querySelector('.vae-widget').getBoundingClientRect().right]"
        )
        assert widths[0] <= 390 and widths[1] <= 390, widths
        canvas = page.page.locator("canvas.vae-plane")
        box = canvas.bounding_box()
        before = state(page)
        page.page.touchscreen.tap(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
        settle(page.page)
        after = state(page)
        assert after[0] != before[0] and after[1] != before[1]
        page.page.get_by_role("button", name="best diagonal q").tap()
        settle(page.page)
        assert state(page)[1] != after[1]
        assert page.outside == [] and page.unexpected_errors() == []
    finally:
        page.close()


def test_input_to_redraw_time_is_measured(browser, fitq_site):
    """The page records, per redraw, the time from the input to the end of the redraw."""
    site, _ = fitq_site
    page = open_fitq(browser, site, **DESKTOP)
    try:
        slider = page.page.locator(".vae-widget input[type=range]").nth(0)
        slider.focus()
        times = []
        for k in range(20):
            page.page.keyboard.press("ArrowLeft" if k % 2 else "ArrowRight")
            settle(page.page)
            times.append(float(page.page.locator(".vae-widget").get_attribute("data-redraw-ms")))
        assert all(t >= 0 for t in times)
        print(
            f"\nFitQ input-to-redraw: median {statistics.median(times):.1f} ms, "
            f"max {max(times):.1f} ms over {len(times)} slider steps"
        )
    finally:
        page.close()


def test_book_page_fitq_is_live(browser, server):
    """On the built chapter: FitQ draws when scrolled to, a slider moves it, nothing leaves
    127.0.0.1, the console stays clean; `-s` prints the bytes the page loaded."""
    page = Page(browser, server, CHAPTER, reveal=False, **PHONE)
    try:
        shared.reveal_widgets(page.page)
        bar = page.page.locator(".vae-widget[data-ready] .vae-bar")
        bar.wait_for(timeout=60_000)
        widget = page.page.locator(".vae-widget[data-ready]", has=page.page.locator(".vae-bar"))
        widget.scroll_into_view_if_needed()
        before = widget.locator("output.vae-readout").inner_text()
        slider = widget.locator("input[type=range]").first
        slider.focus()
        for _ in range(5):
            page.page.keyboard.press("ArrowRight")
        settle(page.page)
        assert widget.locator("output.vae-readout").inner_text() != before
        right = widget.evaluate("e => e.getBoundingClientRect().right")
        assert right <= 390, right
        loaded = page.page.evaluate(
            "() => performance.getEntriesByType('resource').reduce("
            "(n, r) => n + (r.transferSize || r.encodedBodySize || 0), 0)"
            " + (performance.getEntriesByType('navigation')[0].transferSize || 0)"
        )
        print(f"\n[{CHAPTER}] bytes loaded (after the widgets): {loaded:,}")
        assert page.outside == [], page.outside
        assert page.unexpected_errors() == [], page.unexpected_errors()
    finally:
        page.close()
