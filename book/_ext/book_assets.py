"""Sphinx glue for the VAE book (loaded by ``_config.yml`` -> ``sphinx.local_extensions``).

Two jobs, both done when the configuration is read (``config-inited``), before Sphinx
compares the configuration with the one stored in its environment:

1. **Execution cache keyed by the code the chapters import.** myst-nb's jupyter-cache hashes
   only a notebook's code cells, so editing ``vae_core`` would leave stale outputs. The cache
   directory becomes ``<cache root>/<mode>-<key>``, where ``key`` is a SHA-256 over every
   ``vae_core/**/*.py`` (and the widgets' ``.js``/``.css``), the shipped weights and metrics
   (``vae_core/weights/*``), ``requirements.txt`` and ``benchmarks/results.json`` (read by
   the benchmarks page), and ``mode`` is ``fast`` when ``VAE_BOOK_FAST=1`` (short training)
   else ``full``. Any change of those files, or of the mode, points the build at a fresh cache
   (every chapter re-executes) and changes a Sphinx config value, so every page is re-read.
   Older caches of the same mode are deleted.

2. **Page assets served from the build, so a page works with no network.** The files come
   from ``node_modules`` (``npm ci`` from ``package.json`` + ``package-lock.json``; never
   committed) and from the installed ``anywidget`` wheel, and are staged in
   ``_build/book_assets/vendor`` which is added to ``html_static_path`` (so they end up in
   ``_build/html/_static/vendor``)::

       vendor/mathjax/           MathJax 3 (tex-chtml.js + the components it loads lazily)
       vendor/requirejs/         require.js (AMD loader used by the widget manager)
       vendor/html-manager/      @jupyter-widgets/html-manager: embed-amd.js + its fonts
       vendor/anywidget/index.js anywidget's AMD front-end module, from the Python wheel

   ``_config.yml`` points ``mathjax_path`` and ``nb_ipywidgets_js`` at these files;
   ``book/_static/widgets-require-config.js`` maps the AMD module ``anywidget`` to the local
   copy. Any other widget module still falls back to the CDN (``data-jupyter-widgets-cdn``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Files whose content decides whether cached notebook outputs are still valid.
CACHE_KEY_GLOBS = (
    "vae_core/**/*.py",
    "vae_core/**/*.js",          # the widgets' front-end code ends up in the saved widget state
    "vae_core/**/*.css",
    "vae_core/weights/*",
    "requirements.txt",
    "benchmarks/results.json",   # read by book/benchmarks.md
)

#: (source inside node_modules, destination inside vendor/); directories are copied whole.
NPM_ASSETS = (
    ("mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    ("mathjax/es5/input", "mathjax/input"),
    ("mathjax/es5/output/chtml", "mathjax/output/chtml"),
    ("mathjax/es5/output/chtml.js", "mathjax/output/chtml.js"),
    ("mathjax/es5/adaptors", "mathjax/adaptors"),
    ("mathjax/es5/a11y", "mathjax/a11y"),
    ("mathjax/es5/ui", "mathjax/ui"),
    ("mathjax/es5/sre", "mathjax/sre"),
    ("requirejs/require.js", "requirejs/require.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager"),
    ("mathjax/LICENSE", "mathjax/LICENSE"),
)
#: html-manager's dist/ also holds source maps and a non-AMD bundle the page never loads.
SKIP_SUFFIXES = (".map", "embed.js", "embed.js.LICENSE.txt")


def cache_key(root: Path) -> str:
    """SHA-256 (16 hex digits) over the paths and contents of the files in CACHE_KEY_GLOBS."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in CACHE_KEY_GLOBS for p in root.glob(pattern) if p.is_file()})
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def execution_mode() -> str:
    """``fast`` when the chapters shorten their training (VAE_BOOK_FAST=1), else ``full``."""
    return "fast" if os.environ.get("VAE_BOOK_FAST") == "1" else "full"


def set_cache_path(app: Sphinx, config: Config) -> None:
    """Point myst-nb's jupyter-cache at a directory named after the code it depends on."""
    root = Path(app.confdir)
    base = Path(config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    if not base.is_absolute():
        base = root / base
    mode = execution_mode()
    path = base / f"{mode}-{cache_key(root)}"
    if base.is_dir():
        for old in base.glob(f"{mode}-*"):
            if old != path and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    config.nb_execution_cache_path = str(path)
    logger.info(f"[book_assets] execution cache: {path}")


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(
            src,
            dst,
            dirs_exist_ok=True,
            ignore=lambda _dir, names: [n for n in names if n.endswith(SKIP_SUFFIXES)],
        )
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def stage_assets(app: Sphinx, config: Config) -> None:
    """Copy the offline page assets into _build/book_assets/vendor and serve them as static."""
    root = Path(app.confdir)
    node_modules = root / "node_modules"
    missing = [src for src, _ in NPM_ASSETS if not (node_modules / src).exists()]
    if missing:
        raise ConfigError(
            "The book's page assets are not installed (missing in node_modules: "
            + ", ".join(missing)
            + "). Run `npm ci --ignore-scripts` in the repository root (`make book` does)."
        )
    staging = Path(app.outdir).parent / "book_assets"
    vendor = staging / "vendor"
    if vendor.exists():
        shutil.rmtree(vendor)
    for src, dst in NPM_ASSETS:
        _copy(node_modules / src, vendor / dst)

    import anywidget  # the wheel ships its AMD front-end as nbextension/index.js

    front_end = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not front_end.is_file():
        raise ConfigError(f"anywidget {anywidget.__version__} has no {front_end}")
    _copy(front_end, vendor / "anywidget" / "index.js")

    if str(staging) not in config.html_static_path:
        config.html_static_path.append(str(staging))
    # Sphinx copies static files only when some page is rewritten; a config value that
    # changes with the assets (rebuild="html") makes every page, and so the assets, current.
    static_dirs = [staging] + [root / p for p in config.html_static_path if not Path(p).is_absolute()]
    config.book_assets_digest = _tree_digest(static_dirs)


def _tree_digest(dirs: list[Path]) -> str:
    digest = hashlib.sha256()
    for top in dirs:
        for path in sorted(p for p in top.rglob("*") if p.is_file()):
            digest.update(path.relative_to(top).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def setup(app: Sphinx) -> dict:
    # Progress bars are for people waiting at a kernel; on a static page tqdm's widget would
    # embed the whole widget manager in every page that trains. The chapters' kernels inherit this.
    os.environ.setdefault("TQDM_DISABLE", "1")
    app.add_config_value("book_assets_digest", "", "html")
    # priority < 500: run before myst-nb and Sphinx read these values
    app.connect("config-inited", set_cache_path, priority=400)
    app.connect("config-inited", stage_assets, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
