"""The book builds from the repository with warnings as errors, executing every chapter.

The build runs once per test session (``built_book``, shared with test_site_browser.py) exactly
as ``make book`` runs it: ``jupyter-book build . -W --keep-going``. CI exports VAE_BOOK_FAST=1,
so the chapters train briefly; their assertions are the same in both modes.
"""
from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=None)
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
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
                files += sorted(p.relative_to(REPO).with_suffix("").as_posix()
                                for p in REPO.glob(chapter["glob"] + ".md"))
    return files


def chapter_files() -> list[str]:
    return [f for f in toc_files() if f.startswith("notebooks/")]


def test_book_builds_with_warnings_as_errors(built_book, capsys):
    sphinx_warnings = [line for line in built_book.log.splitlines()
                       if re.search(r"\bWARNING:|\bERROR:|CRITICAL:", line)]
    assert not sphinx_warnings, "\n".join(sphinx_warnings)
    assert (built_book.html / "index.html").is_file()
    with capsys.disabled():
        print(f"\n[book] jupyter-book build: {built_book.seconds:.1f} s "
              f"(VAE_BOOK_FAST={os.environ.get('VAE_BOOK_FAST', '')!r})")


def test_toc_lists_the_ten_chapters_in_order():
    names = [Path(f).name for f in chapter_files()]
    assert names == [
        "01_latent_variable_models", "02_marginal_likelihood", "03_posterior", "04_encoder",
        "05_elbo", "06_reparameterization", "07_kl_divergence", "08_training",
        "09_likelihoods", "10_latent_space",
    ]


def test_every_toc_entry_became_a_page(built_book):
    for doc in toc_files():
        assert (built_book.html / f"{doc}.html").is_file(), doc


def test_every_chapter_has_a_colab_button_to_its_paired_notebook(built_book):
    for doc in chapter_files():
        assert (REPO / f"{doc}.ipynb").is_file(), f"{doc}.ipynb (Colab opens only .ipynb)"
        page = (built_book.html / f"{doc}.html").read_text()
        assert f'href="{COLAB}{doc}.ipynb"' in page, f"no Colab button to {doc}.ipynb"


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
        if "\\tag{" in text or "math notranslate" in text:
            assert "_static/vendor/mathjax/tex-chtml.js" in text, page
        if "application/vnd.jupyter.widget-state+json" in text:
            assert "_static/vendor/html-manager/embed-amd.js" in text, page
    vendor = built_book.html / "_static" / "vendor"
    for asset in ["mathjax/tex-chtml.js", "requirejs/require.js", "html-manager/embed-amd.js",
                  "anywidget/index.js"]:
        assert (vendor / asset).is_file(), asset


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
    assert len(keys) == 4
