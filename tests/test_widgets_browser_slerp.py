"""The Interpolation widget's lerp/slerp switch in headless chromium, on a page of our own (the
committed bundle, a minimal model shim and the shipped 20-D model on real test digits; no book
build, no kernel, no network): switching the path redraws the image, the strip and the readout,
switching back restores them, and no request leaves 127.0.0.1. `-s` prints the time from the
switch to the redrawn image (input to redraw), measured in the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_widgets_browser import (  # noqa: F401 (browser: a fixture, used by name)
    DESKTOP,
    REPO,
    Page,
    browser,
    serve_directory,
    settle,
    snapshot,
    write_widget_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PATH_SELECT = 'select[aria-label="path between the two codes"]'

#: Switch the path `times` times and, after each switch, wait frame by frame until the big
#: image's pixels change; the milliseconds from the change event to that frame, one per switch.
REDRAW_JS = """async ([times, selector]) => {
  const select = document.querySelector(selector);
  const canvas = document.querySelector('.vae-widget canvas.vae-digit');
  const pixels = () => canvas.getContext('2d').getImageData(0, 0, 28, 28).data.join(',');
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const out = [];
  for (let k = 0; k < times; k++) {
    const before = pixels();
    const start = performance.now();
    select.value = select.value === 'lerp' ? 'slerp' : 'lerp';
    select.dispatchEvent(new Event('change'));
    for (let f = 0; f < 120 && pixels() === before; f++) await frame();
    if (pixels() === before) return null;
    out.push(performance.now() - start);
  }
  return out;
}"""


def write_page(root: Path, mnist_test) -> Path:
    """One Interpolation widget of mnist-z20 between two real test digits, as in chapter 10."""
    from vae_core import pretrained
    from vae_core.widgets import Interpolation

    model20, _ = pretrained.load_pretrained("mnist-z20")
    images, labels = mnist_test.images[:2000], mnist_test.labels[:2000]
    view = Interpolation(model20, images, labels, a=3, b=8)
    write_widget_page(root, [view])
    return root


@pytest.fixture(scope="module")
def slerp_server(tmp_path_factory, mnist_test):
    with serve_directory(write_page(tmp_path_factory.mktemp("slerp"), mnist_test)) as url:
        yield url


@pytest.fixture
def page(browser, slerp_server):  # noqa: F811 (the imported fixture)
    page = Page(browser, slerp_server, "index.html", reveal=False, **DESKTOP)
    page.page.wait_for_selector(".vae-widget[data-ready=browser]", timeout=60_000)
    yield page
    assert page.outside == [], f"requests left 127.0.0.1: {page.outside[:5]}"
    assert page.unexpected_errors() == [], page.unexpected_errors()
    page.close()


def strip(widget) -> list[str]:
    return widget.locator(".vae-strip canvas").evaluate_all(
        "cs => cs.map(c => c.getContext('2d').getImageData(0, 0, 28, 28).data.join(','))"
    )


def test_switching_the_path_redraws_image_strip_and_readout(page):
    widget = page.widget(".vae-strip")
    select = widget.locator(PATH_SELECT)
    assert select.input_value() == "lerp"
    before, strip_before = snapshot(widget), strip(widget)
    assert "straight line (lerp)" in before[1]
    select.select_option("slerp")
    settle(page.page)
    after, strip_after = snapshot(widget), strip(widget)
    assert after[0] != before[0], "the image at t did not change"
    assert after[1] != before[1] and "great circle (slerp)" in after[1]
    assert strip_after[0] == strip_before[0] and strip_after[-1] == strip_before[-1]  # the ends
    assert strip_after[len(strip_after) // 2] != strip_before[len(strip_before) // 2]
    select.select_option("lerp")
    settle(page.page)
    assert snapshot(widget) == before and strip(widget) == strip_before


def test_the_slerp_readout_keeps_the_length_of_z(page):
    """Along the great circle |z| stays near the codes' lengths; the straight line dips."""
    widget = page.widget(".vae-strip")
    slider = widget.locator("input[type=range]")

    def length_at(t: str) -> float:
        slider.evaluate("(s, t) => { s.value = t; s.dispatchEvent(new Event('input')); }", t)
        settle(page.page)
        text = widget.locator("output.vae-readout").inner_text()
        row = next(line for line in text.splitlines() if line.startswith("|z|"))
        return float(row.split()[-1].replace("\u2212", "-"))

    ends = [length_at("0"), length_at("1")]
    lerp_mid = length_at("0.5")
    widget.locator(PATH_SELECT).select_option("slerp")
    settle(page.page)
    slerp_mid = length_at("0.5")
    assert lerp_mid < min(ends) - 0.3, (ends, lerp_mid)
    assert 0.95 * min(ends) <= slerp_mid <= 1.05 * max(ends), (ends, slerp_mid)


def test_the_switch_is_keyboard_operable(page):
    widget = page.widget(".vae-strip")
    select = widget.locator(PATH_SELECT)
    before = snapshot(widget)
    select.focus()
    page.page.keyboard.press("ArrowDown")  # the next option, as for any <select>
    settle(page.page)
    assert select.input_value() == "slerp"
    assert snapshot(widget)[0] != before[0]


def test_measure_input_to_redraw(page, capsys):
    times = page.page.evaluate(REDRAW_JS, [10, PATH_SELECT])
    assert times is not None and len(times) == 10, "a switch left the image unchanged"
    times.sort()
    with capsys.disabled():
        print(
            f"\n[slerp switch] input to redraw in chromium: median {times[5]:.1f} ms, "
            f"max {times[-1]:.1f} ms over 10 switches"
        )
