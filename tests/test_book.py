"""The book builds from the repository with warnings as errors, executing every chapter.

The build runs once per test session (``built_book``, shared with test_site_browser.py) exactly
as ``make book`` runs it: ``jupyter-book build . -W --keep-going``. CI exports VAE_BOOK_FAST=1,
so the chapters train briefly; their assertions are the same in both modes.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
LOG = REPO / "_build" / "book-build.log"
COLAB = "https://colab.research.google.com/github/vae-book/vae-book/blob/main/"

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class BookBuild:
    html: Path
    returncode: int
    seconds: float
    log: str


@functools.cache
def build_book() -> BookBuild:
    """Build the book once per process (both test modules call this)."""
    if not (REPO / "node_modules" / ".package-lock.json").is_file():
        pytest.fail("page assets missing: run `npm ci --ignore-scripts` (make test does)")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ)
    env.setdefault("VAE_CORE_DATA", str(REPO.parent / "shared" / "data"))
    tic = time.perf_counter()
    proc = subprocess.run(
        [str(jupyter_book), "build", str(REPO), "-W", "--keep-going"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seconds = time.perf_counter() - tic
    LOG.parent.mkdir(exist_ok=True)
    LOG.write_text(proc.stdout)
    return BookBuild(HTML, proc.returncode, seconds, proc.stdout)


@pytest.fixture(scope="session")
def built_book() -> BookBuild:
    build = build_book()
    if build.returncode != 0:
        tail = "\n".join(build.log.splitlines()[-60:])
        pytest.fail(f"jupyter-book build failed (exit {build.returncode}); full log {LOG}\n{tail}")
    return build


def toc_files() -> list[str]:
    """Every document named in _toc.yml (root first), without suffix."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part["chapters"]:
            if "file" in chapter:
                files.append(chapter["file"])
            elif "glob" in chapter:
                files += sorted(
                    p.relative_to(REPO).with_suffix("").as_posix()
                    for p in REPO.glob(chapter["glob"] + ".md")
                )
    return files


def chapter_files() -> list[str]:
    return [f for f in toc_files() if f.startswith("notebooks/")]


def test_book_builds_with_warnings_as_errors(built_book, capsys):
    sphinx_warnings = [
        line
        for line in built_book.log.splitlines()
        if re.search(r"\bWARNING:|\bERROR:|CRITICAL:", line)
    ]
    assert not sphinx_warnings, "\n".join(sphinx_warnings)
    assert (built_book.html / "index.html").is_file()
    with capsys.disabled():
        print(
            f"\n[book] jupyter-book build: {built_book.seconds:.1f} s "
            f"(VAE_BOOK_FAST={os.environ.get('VAE_BOOK_FAST', '')!r})"
        )


def test_toc_lists_the_chapters_in_order():
    names = [Path(f).name for f in chapter_files()]
    assert names == [
        "01_latent_variable_models",
        "02_marginal_likelihood",
        "03_posterior",
        "04_encoder",
        "05_elbo",
        "06_reparameterization",
        "07_kl_divergence",
        "08_training",
        "09_likelihoods",
        "10_latent_space",
        "11_rate_distortion",
        "12_inference_gaps",
        "13_aggregate_posterior",
    ]


def test_every_toc_entry_became_a_page(built_book):
    for doc in toc_files():
        assert (built_book.html / f"{doc}.html").is_file(), doc


def test_every_chapter_has_a_colab_button_to_its_paired_notebook(built_book):
    for doc in chapter_files():
        assert (REPO / f"{doc}.ipynb").is_file(), f"{doc}.ipynb (Colab opens only .ipynb)"
        page = (built_book.html / f"{doc}.html").read_text()
        assert f'href="{COLAB}{doc}.ipynb"' in page, f"no Colab button to {doc}.ipynb"


def _site_pages(html: Path) -> list[Path]:
    return sorted(
        p
        for p in html.rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(p.relative_to(html).parts)
    )


def _head(text: str) -> str:
    return text[: text.find("</head>")]


def test_pages_load_scripts_and_math_from_the_build(built_book):
    """No page pulls a script or stylesheet from a CDN (widget modules fall back only if absent)."""
    remote = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(https?:)?//[^"]*"[^>]*>')
    for page in built_book.html.rglob("*.html"):
        if "_static" in page.parts:
            continue
        text = page.read_text()
        for tag in remote.finditer(text):
            if "<link" in tag.group(0) and 'rel="canonical"' in tag.group(0):
                continue
            pytest.fail(f"{page.relative_to(built_book.html)} loads {tag.group(0)}")
    vendor = built_book.html / "_static" / "vendor"
    for asset in [
        "katex/katex.min.css",
        "katex/fonts/KaTeX_Main-Regular.woff2",
        "requirejs/require.js",
        "html-manager/embed-amd.js",
        "anywidget/index.js",
        "icons.css",
    ]:
        assert (vendor / asset).is_file(), asset


def test_math_is_rendered_at_build_time(built_book):
    """Every formula is KaTeX HTML + MathML in the page; no math script, no TeX error."""
    pages_with_math = 0
    for page in _site_pages(built_book.html):
        text = page.read_text()
        rel = page.relative_to(built_book.html).as_posix()
        assert not re.search(r"<script[^>]*mathjax", text, re.IGNORECASE), (
            f"{rel} still loads MathJax"
        )
        assert "katex-error" not in text, f"{rel}: a formula KaTeX could not render"
        if 'class="math' in text:
            pages_with_math += 1
            assert 'class="katex"' in text, f"{rel}: math left for the browser to typeset"
            assert "_static/vendor/katex/katex.min.css" in text, rel
            assert "\\(" not in text and "\\[" not in text, f"{rel}: unrendered TeX delimiters"
    assert pages_with_math >= 8


def test_widget_state_and_scripts_load_after_the_page(built_book):
    """Pages with widgets: the saved state is a separate file, fetched by a deferred loader;
    pages without widgets load none of the widget scripts."""
    with_widgets = 0
    for page in _site_pages(built_book.html):
        text = page.read_text()
        rel = page.relative_to(built_book.html).as_posix()
        assert "application/vnd.jupyter.widget-state+json" not in text, (
            f"{rel}: widget state inline in the HTML"
        )
        if "application/vnd.jupyter.widget-view+json" not in text:
            assert (
                "widgets-loader.js" not in text
                and "embed-amd.js" not in text
                and "require.js" not in text
            ), f"{rel} loads widget scripts without widgets"
            continue
        with_widgets += 1
        loader = re.search(r'<script [^>]*src="[^"]*widgets-loader\.js[^"]*"[^>]*>', text)
        assert loader and 'defer="defer"' in loader.group(0), rel
        state_url = re.search(r'data-widget-state="([^"]+)"', loader.group(0)).group(1)
        state = json.loads((page.parent / state_url).read_text())
        assert state["state"], f"{rel}: empty widget state"
        scripts = html.unescape(re.search(r'data-scripts="([^"]+)"', loader.group(0)).group(1))
        assert "vendor/html-manager/embed-amd.js" in scripts, rel
        assert "embed-amd.js" not in _head(text).replace(loader.group(0), ""), rel
    assert with_widgets >= 1


def test_no_page_blocks_on_scripts_it_does_not_need(built_book):
    """No fontawesome.js (the icons are CSS), no search index outside search.html, and no
    synchronous external script in <head> except documentation_options.js."""
    sync = re.compile(r'<script (?![^>]*\b(?:defer|async)\b)[^>]*\bsrc="([^"]+)"')
    for page in _site_pages(built_book.html):
        rel = page.relative_to(built_book.html).as_posix()
        text = page.read_text()
        assert "fontawesome.js" not in text, rel
        if rel != "search.html":
            assert "searchindex.js" not in text and "searchtools.js" not in text, rel
            blocking = [
                src for src in sync.findall(_head(text)) if "documentation_options.js" not in src
            ]
            assert not blocking, f"{rel}: render-blocking scripts {blocking}"


def _installed_theme_css() -> Path:
    import pydata_sphinx_theme

    static = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
    return static / "styles" / "pydata-sphinx-theme.css"


def test_stylesheets_hold_only_rules_the_pages_use(built_book):
    """The theme's 397 kB stylesheet is purged of rules no page uses (book/_ext/purge_css.mjs),
    yet every rule of a class some page uses is still there; no stylesheet chain (theme.css
    @importing basic.css) and no script preload competes with the first paint."""
    used = set()
    for page in _site_pages(built_book.html):
        text = page.read_text()
        rel = page.relative_to(built_book.html).as_posix()
        assert "styles/theme.css" not in text, f"{rel}: theme.css @imports basic.css"
        assert not re.search(r'<link rel="preload" as="script"', text), rel
        for classes in re.findall(r'class="([^"]+)"', text):
            used.update(classes.split())
    original = _installed_theme_css().read_text()
    purged = (built_book.html / "_static" / "styles" / "pydata-sphinx-theme.css").read_text()
    assert len(purged) < 0.4 * len(original), (len(purged), len(original))
    single_class = set(re.findall(r"(?:^|[},])\s*\.([A-Za-z][\w-]*)\s*[{,]", original, re.M))
    kept = {c for c in single_class & used if re.search(rf"\.{re.escape(c)}(?![\w-])", purged)}
    assert len(single_class & used) > 30
    assert kept == single_class & used, sorted(single_class & used - kept)[:20]
    assert re.search(r"(?:^|})\s*:focus-visible\s*\{", purged), "the focus outline went"
    assert re.search(r"html\[data-theme=dark\]", purged), "dark mode's rules went"


def test_the_theme_does_not_measure_every_box_at_load(built_book):
    """pydata-sphinx-theme's all-at-once tab-stop pass is removed from its script (book.js
    sets the tab stops lazily; tests/test_site_browser.py checks them)."""
    sys.path.insert(0, str(REPO / "book" / "_ext"))
    try:
        import book_assets
    finally:
        sys.path.pop(0)
    script = (built_book.html / "_static" / book_assets.THEME_SCRIPT).read_text()
    assert book_assets.THEME_TAB_STOPS_DONE in script
    assert not book_assets.THEME_TAB_STOPS_CALL.search(script)
    book_js = (built_book.html / "_static" / "book.js").read_text()
    assert '".nboutput > .output_area"' in book_js


def test_launch_and_download_buttons_only_on_chapters(built_book):
    chapters = set(chapter_files())
    for page in _site_pages(built_book.html):
        rel = page.relative_to(built_book.html).with_suffix("").as_posix()
        text = page.read_text()
        has_colab = "colab.research.google.com" in text
        has_download = "download-source-button" in text
        if rel in chapters:
            assert has_colab and has_download, rel
        else:
            assert not has_colab, f"{rel}: a Colab button on a page that is not a notebook"
            assert not has_download, f"{rel}: a download button on a page that is not a notebook"


def test_every_page_has_a_title_description_and_favicon(built_book):
    """The root index.html (a redirect to the landing page) included."""
    for page in _site_pages(built_book.html):
        rel = page.relative_to(built_book.html).as_posix()
        text = page.read_text()
        title = re.search(r"<title>([^<]*)</title>", text)
        assert title and len(title.group(1).strip()) > 10, f"{rel}: no page title"
        description = re.search(r'<meta name="description" content="([^"]*)"', text)
        assert description and len(description.group(1)) >= 30, f"{rel}: no meta description"
        assert "\\" not in description.group(1), f"{rel}: TeX in the description"
        assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', text), f"{rel}: no favicon"
    assert (built_book.html / "_static" / "favicon.svg").is_file()
    root = (built_book.html / "index.html").read_text()
    assert 'http-equiv="Refresh"' in root and "book/intro.html" in root


def test_no_empty_index_page(built_book):
    assert not (built_book.html / "genindex.html").exists()
    for page in _site_pages(built_book.html):
        assert "genindex.html" not in page.read_text(), page


def test_search_page_cleans_snippets(built_book):
    text = (built_book.html / "search.html").read_text()
    assert "search-snippets.js" in text
    assert "searchindex.js" in text


def test_execution_cache_is_keyed_by_vae_core(built_book):
    sys.path.insert(0, str(REPO / "book" / "_ext"))
    try:
        import book_assets
    finally:
        sys.path.pop(0)
    mode = book_assets.execution_mode()
    expected = REPO / "_build" / ".jupyter_cache" / f"{mode}-{book_assets.cache_key(REPO)}"
    assert f"execution cache: {expected}" in built_book.log
    assert expected.is_dir()


def test_cache_key_changes_with_package_weights_and_requirements(tmp_path):
    sys.path.insert(0, str(REPO / "book" / "_ext"))
    try:
        import book_assets
    finally:
        sys.path.pop(0)
    (tmp_path / "vae_core" / "weights").mkdir(parents=True)
    (tmp_path / "vae_core" / "model.py").write_text("x = 1\n")
    (tmp_path / "requirements.txt").write_text("torch==2.14.1\n")
    keys = {book_assets.cache_key(tmp_path)}
    (tmp_path / "vae_core" / "model.py").write_text("x = 2\n")
    keys.add(book_assets.cache_key(tmp_path))
    (tmp_path / "vae_core" / "weights" / "mnist-z2.json").write_text("{}")
    keys.add(book_assets.cache_key(tmp_path))
    (tmp_path / "requirements.txt").write_text("torch==2.14.2\n")
    keys.add(book_assets.cache_key(tmp_path))
    (tmp_path / "notes.md").write_text("unrelated")
    keys.add(book_assets.cache_key(tmp_path))
    # Only book/benchmarks.md reads the benchmark results (forced execution, re-read on change).
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "results.json").write_text("{}")
    keys.add(book_assets.cache_key(tmp_path))
    assert len(keys) == 4
