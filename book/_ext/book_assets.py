"""Sphinx glue for the VAE book (loaded by ``_config.yml`` -> ``sphinx.local_extensions``).

Two jobs, both done when the configuration is read (``config-inited``), before Sphinx
compares the configuration with the one stored in its environment:

1. **Execution cache keyed by the code the chapters import.** myst-nb's jupyter-cache hashes
   only a notebook's code cells, so editing ``vae_core`` would leave stale outputs. The cache
   directory becomes ``<cache root>/<mode>-<key>``, where ``key`` is a SHA-256 over every
   ``vae_core/**/*.py`` (and the widgets' ``.js``/``.css``), the shipped weights and metrics
   (``vae_core/weights/*``) and ``requirements.txt`` (not ``benchmarks/results.json``: the
   benchmarks page alone reads it and re-runs whenever it changes), and ``mode`` is ``fast``
   when ``VAE_BOOK_FAST=1`` (short training) else ``full``. Any change of those files, or of
   the mode, points the build at a fresh cache (every chapter re-executes) and changes a
   Sphinx config value, so every page is re-read.
   Older caches of the same mode are deleted.

2. **Page assets served from the build, so a page works with no network.** The files come
   from ``node_modules`` (``npm ci`` from ``package.json`` + ``package-lock.json``; never
   committed) and from the installed ``anywidget`` wheel, and are staged in
   ``_build/book_assets/vendor`` which is added to ``html_static_path`` (so they end up in
   ``_build/html/_static/vendor``)::

       vendor/katex/             KaTeX's CSS and fonts (the math itself is rendered at build time)
       vendor/requirejs/         require.js (AMD loader used by the widget manager)
       vendor/html-manager/      @jupyter-widgets/html-manager: embed-amd.js + its fonts
       vendor/anywidget/index.js anywidget's AMD front-end module, from the Python wheel

   ``_config.yml`` points ``katex_css_path`` and ``nb_ipywidgets_js`` at these files;
   ``book/_static/widgets-require-config.js`` maps the AMD module ``anywidget`` to the local
   copy. Any other widget module still falls back to the CDN (``data-jupyter-widgets-cdn``).
   The widget manager is only the fallback: ``book/_static/widgets-loader.js`` draws a page's
   widgets itself when all of them are bare anywidgets (the book's are), so the three files
   are loaded only by a page with another kind of widget.
"""

from __future__ import annotations

import hashlib
import os
import re
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
    "vae_core/**/*.js",  # the widgets' front-end code ends up in the saved widget state
    "vae_core/**/*.css",
    "vae_core/weights/*",
    "requirements.txt",
)
# benchmarks/results.json is not in the key: only book/benchmarks.md reads it, and that page is
# executed on every build that re-reads it (``mystnb: execution_mode: force``) and re-read when
# the file changes (PAGE_DEPENDENCIES), so `make benchmark` does not re-execute every chapter.

#: Pages that read a data file at build time: re-read (and so re-executed) when it changes.
PAGE_DEPENDENCIES = {"book/benchmarks": ("benchmarks/results.json",)}

#: (source inside node_modules, destination inside vendor/); directories are copied whole.
NPM_ASSETS = (
    ("katex/dist/katex.min.css", "katex/katex.min.css"),
    ("katex/dist/fonts", "katex/fonts"),
    ("katex/LICENSE", "katex/LICENSE"),
    ("requirejs/require.js", "requirejs/require.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager"),
)
#: The theme's icons that the pages show (Font Awesome 6 class -> SVG in the npm package
#: @fortawesome/fontawesome-free, the version the theme bundles). They are drawn from
#: vendor/icons.css as inline SVG masks, so no page downloads the 270 kB of icon web fonts;
#: an icon not listed here still falls back to the theme's font.
ICONS = {
    **{
        name: f"solid/{name}"
        for name in (
            "angle-left",
            "angle-right",
            "arrow-up",
            "bars",
            "circle-half-stroke",
            "code",
            "download",
            "expand",
            "file",
            "file-pdf",
            "lightbulb",
            "list",
            "magnifying-glass",
            "moon",
            "outdent",
            "rocket",
            "sun",
            "xmark",
            "compress",
            "pen-to-square",
        )
    },
    "github": "brands/github",
}
ICON_SVGS = "@fortawesome/fontawesome-free/svgs"

#: The KaTeX that sphinxcontrib-katex runs under node to render every formula at build time
#: (its CSS and fonts above come from the same npm package, so they match).
KATEX_JS = "katex/dist/katex.min.js"
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

    (vendor / "icons.css").write_text(icon_css(node_modules / ICON_SVGS), encoding="utf8")

    import anywidget  # the wheel ships its AMD front-end as nbextension/index.js

    front_end = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not front_end.is_file():
        raise ConfigError(f"anywidget {anywidget.__version__} has no {front_end}")
    _copy(front_end, vendor / "anywidget" / "index.js")

    if str(staging) not in config.html_static_path:
        config.html_static_path.append(str(staging))
    # Sphinx copies static files only when some page is rewritten; a config value that
    # changes with the assets (rebuild="html") makes every page, and so the assets, current.
    # This extension's own code is included: it rewrites parts of every page.
    static_dirs = [staging, Path(__file__).parent] + [
        root / p for p in config.html_static_path if not Path(p).is_absolute()
    ]
    config.book_assets_digest = _tree_digest(static_dirs)


def icon_css(svgs: Path) -> str:
    """CSS that draws each icon in ICONS with its SVG as a mask (so it takes the text colour)."""
    from urllib.parse import quote

    selectors, rules = [], []
    for name, rel in sorted(ICONS.items()):
        svg = re.sub(r"<!--.*?-->", "", (svgs / f"{rel}.svg").read_text()).replace('"', "'")
        data = quote(svg, safe=" =:/'")
        rules.append(
            f":is(i, span).fa-{name} {{ font-family: inherit; "
            f'--book-icon: url("data:image/svg+xml,{data}"); }}'
        )
        selectors.append(f":is(i, span).fa-{name}::before")
    head = (
        "/* Generated by book/_ext/book_assets.py from @fortawesome/fontawesome-free "
        "(icons: CC BY 4.0): the theme's icons without its web fonts. */\n"
        + ",\n".join(selectors)
        + ' {\n  content: "";\n  display: inline-block;\n  width: 1em;\n  height: 1em;\n'
        "  vertical-align: -0.125em;\n  background-color: currentColor;\n"
        "  -webkit-mask: var(--book-icon) center / contain no-repeat;\n"
        "  mask: var(--book-icon) center / contain no-repeat;\n}\n"
    )
    return head + "\n".join(rules) + "\n"


def _tree_digest(dirs: list[Path]) -> str:
    digest = hashlib.sha256()
    for top in dirs:
        for path in sorted(
            p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ):
            digest.update(path.relative_to(top).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def configure_katex_and_theme(app: Sphinx, config: Config) -> None:
    """KaTeX from node_modules for build-time rendering; theme options the YAML cannot reach.

    ``html_context.default_mode: auto`` (pydata-sphinx-theme) follows the reader's system
    setting; without it the theme reads an empty mode on every first visit and logs "Got
    invalid theme mode" to the console.
    """
    katex_js = Path(app.confdir) / "node_modules" / KATEX_JS
    if not katex_js.is_file():
        raise ConfigError(f"{katex_js} missing: run `npm ci --ignore-scripts` (make assets)")
    config.katex_js_path = str(katex_js)
    config.html_context.setdefault("default_mode", "auto")
    _katex_server_waits_for_listen()


def _katex_server_waits_for_listen() -> None:
    """Start sphinxcontrib-katex's node server on a local TCP port, not a unix socket.

    On a unix socket (its default on posix), 0.9.11 connects as soon as the socket file
    exists; node creates the file a moment before it listens, and on a loaded machine the
    connection is refused and the build fails (seen here in 2 of 3 builds). Its TCP start
    retries a refused connection until its start-up timeout; the server is the same.
    """
    from sphinxcontrib import katex

    server = getattr(katex, "KaTeXServer", None)
    if server is not None and hasattr(server, "start_network_socket"):
        server.start_server_process = server.start_network_socket


def note_page_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    """Re-read a page when a data file it reads changes (see PAGE_DEPENDENCIES)."""
    for rel in PAGE_DEPENDENCIES.get(docname, ()):
        app.env.note_dependency(str(Path(app.confdir) / rel))


#: Header button groups that only make sense for a chapter (a notebook with a paired .ipynb).
NOTEBOOK_ONLY_BUTTONS = ("launch-buttons", "download-buttons")
_DESCRIPTION_LENGTH = 160


def page_description(doctree) -> str:
    """The first paragraph of running text (not a list item or note), without math,
    at most 160 characters."""
    from docutils import nodes

    if doctree is None:
        return ""
    for para in doctree.findall(nodes.paragraph):
        if any(isinstance(n, nodes.math) for n in para.findall()):
            continue
        if not isinstance(para.parent, (nodes.section, nodes.document)):
            continue  # a list item, an admonition, a table cell, a footnote
        text = " ".join(para.astext().split())
        if len(text) < 40:
            continue
        if len(text) > _DESCRIPTION_LENGTH:
            text = text[: _DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "\u2026"
        return text
    return ""


def tidy_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Per page (after the theme's own handlers, priority 600):

    - launch (Colab) and download buttons only on chapters, i.e. pages with a paired .ipynb
      in the repository; elsewhere the Colab link would open a file that does not exist;
    - no sphinx-thebe scripts (thebe is off; its config script is emitted twice and throws);
    - a meta description on every page (front matter ``html_meta: description`` wins);
    - on search.html, snippets without raw LaTeX (book/_static/search-snippets.js).
    """
    root = Path(app.confdir)
    if "header_buttons" in context and not (root / f"{pagename}.ipynb").is_file():
        context["header_buttons"][:] = [
            b for b in context["header_buttons"] if b.get("label") not in NOTEBOOK_ONLY_BUTTONS
        ]
    scripts = context.get("script_files")
    if scripts is not None:
        scripts[:] = [js for js in scripts if not _is_thebe(js)]
        _move_widget_state_out(app, pagename, context, scripts)
        if pagename != "search":  # search.html runs searchtools.js in <head>, which needs doctools
            scripts[:] = [_deferred(js) for js in scripts]
    styles = context.get("css_files")
    if styles is not None:
        styles[:] = [
            css
            for css in styles
            if not str(getattr(css, "filename", "")).endswith("sphinx-thebe.css")
        ]
    metatags = context.get("metatags", "")
    if 'name="description"' not in metatags:
        description = page_description(doctree)
        if not description:  # search.html, or a page with no running text: the book's own
            description = page_description(app.env.get_doctree(app.config.root_doc)) or _site_title(
                app
            )
        if description:
            from html import escape

            context["metatags"] = metatags + (
                f'\n<meta name="description" content="{escape(description)}" />'
            )
    if pagename == "search":
        app.add_js_file("search-snippets.js", loading_method="defer")


WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
#: Where a page's saved widget state goes (a folder of the built site).
WIDGET_STATE_DIR = "_widget_state"


def _move_widget_state_out(app: Sphinx, pagename: str, context: dict, scripts: list) -> None:
    """On a page with widgets, the saved state becomes a file, loaded when a widget is near.

    myst-nb puts the state (about 1 MB with the decoders' weights) inline in <head> and the
    scripts of ``nb_ipywidgets_js`` (3.6 MB of widget manager) after it, so the page paints
    only after all of it has arrived. Here the state is written to
    ``_widget_state/<page>.json`` and both are replaced by one small deferred
    ``widgets-loader.js``. It fetches the state only when a widget comes near the screen and
    draws anywidget views itself; only a page with another kind of widget gets the scripts
    of ``nb_ipywidgets_js`` (``data-scripts``), in the same order, with the state put back
    in <head> unchanged.
    """
    state = [js for js in scripts if getattr(js, "attributes", {}).get("type") == WIDGET_STATE_MIME]
    if not state:
        return
    widget_js = dict(app.config.nb_ipywidgets_js)
    # Sphinx stores local script names with a "_static/" prefix.
    names = {f"_static/{src}" if "://" not in src else src for src in widget_js}
    scripts[:] = [
        js
        for js in scripts
        if js not in state and str(getattr(js, "filename", "") or "") not in names
    ]
    target = Path(app.outdir) / WIDGET_STATE_DIR / f"{pagename}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(state[0].attributes["body"], encoding="utf8")
    import json

    from sphinx.builders.html._assets import _JavaScript

    scripts.append(
        _JavaScript(
            "_static/widgets-loader.js",
            defer="defer",
            **{
                "data-widget-state": context["pathto"](f"{WIDGET_STATE_DIR}/{pagename}.json", 1),
                "data-scripts": json.dumps([[src, attrs] for src, attrs in widget_js.items()]),
            },
        )
    )


#: Scripts that must run while <head> is parsed: inline scripts right after them use them.
KEEP_BLOCKING = ("_static/documentation_options.js",)


def _deferred(js):
    """The same script with ``defer``, unless inline, already async/deferred, or in KEEP_BLOCKING.

    The extensions' scripts (doctools, copybutton, togglebutton, sphinx-design, the theme's)
    all wait for the DOM themselves, and the inline scripts between them only set variables,
    so deferring them keeps their order and effect while the page paints without them.
    """
    from sphinx.builders.html._assets import _JavaScript

    filename = str(getattr(js, "filename", "") or "")
    attrs = getattr(js, "attributes", None)
    if (
        not filename
        or attrs is None
        or "defer" in attrs
        or "async" in attrs
        or filename in KEEP_BLOCKING
        or attrs.get("type", "text/javascript") != "text/javascript"
    ):
        return js
    return _JavaScript(js.filename, priority=js.priority, **attrs, defer="defer")


def _is_thebe(js) -> bool:
    filename = str(getattr(js, "filename", "") or "")
    body = getattr(js, "attributes", {}).get("body", "")
    return filename.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def _site_title(app: Sphinx) -> str:
    """The book's title (_config.yml ``title``, which Jupyter Book passes as html_title)."""
    return app.config.html_title or app.config.project


_ROOT_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>{title}</title>
<meta name="description" content="{description}" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
{favicon}<link rel="canonical" href="{target}" />
<meta http-equiv="Refresh" content="0; url={target}" />
</head>
<body>
<p><a href="{target}">{title}</a></p>
</body>
</html>
"""


def write_root_index(app: Sphinx, exception) -> None:
    """The site's index.html: a redirect to the root page, with a title and a description.

    Runs before sphinx-external-toc, which writes a bare ``<meta http-equiv="Refresh">``
    only when no index.html exists. Also removes a stale genindex.html (html_use_index off).
    """
    if exception is not None or app.builder.format != "html":
        return
    if not app.config.html_use_index:  # left over from a build that had an index page
        (Path(app.outdir) / "genindex.html").unlink(missing_ok=True)
    if app.config.root_doc == "index":
        return
    from html import escape

    favicon = app.config.html_favicon
    icon = (
        f'<link rel="icon" href="_static/{Path(favicon).name}" />\n'
        if favicon and "://" not in favicon
        else ""
    )
    description = page_description(app.env.get_doctree(app.config.root_doc)) or _site_title(app)
    (Path(app.outdir) / "index.html").write_text(
        _ROOT_INDEX.format(
            title=escape(_site_title(app)),
            description=escape(description),
            favicon=icon,
            target=f"{app.config.root_doc}.html",
        ),
        encoding="utf8",
    )


#: Stylesheets under _static stripped of the rules no built page uses (globs). The theme's
#: pydata-sphinx-theme.css alone is 397 kB (66 kB gzipped) of which a page uses about a
#: quarter, and every page must download and parse all of it before its first paint.
PURGED_CSS = (
    "styles/pydata-sphinx-theme.css",
    "styles/sphinx-book-theme.css",
    "basic.css",
    "pygments.css",
    "sphinx-design.min.css",
    "togglebutton.css",
    "copybutton.css",
    "mystnb.*.css",
    "vendor/katex/katex.min.css",
)
PURGE_SCRIPT = Path(__file__).with_name("purge_css.mjs")


def purge_css(app: Sphinx, exception) -> None:
    """Strip the stylesheets of PURGED_CSS of unused rules, once every page is written.

    Sphinx copies the original stylesheets into _static at the end of every build (before
    this event), so an incremental build purges against all pages again, new ones included.
    """
    if exception is not None or app.builder.format != "html":
        return
    import subprocess

    static = Path(app.outdir) / "_static"
    sheets = sorted(
        p.relative_to(static).as_posix() for glob in PURGED_CSS for p in static.glob(glob)
    )
    if not sheets:
        return
    done = subprocess.run(
        ["node", str(PURGE_SCRIPT), str(app.outdir), *sheets],
        cwd=app.confdir,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"purging unused CSS failed:\n{done.stderr}")
    for line in done.stdout.splitlines():
        logger.info(f"[book_assets] purged {line}")


#: pydata-sphinx-theme's script gives every code block, output and wide table a tab stop
#: (addTabStopsToScrollableElements) on "load", measuring all of them at once: on a long page
#: that makes the browser lay out the whole page, the parts that book.css lets it skip until
#: they near the screen included (on a phone, 0.3 s of blocked main thread in Lighthouse).
#: book/_static/book.js does the same for each box as it nears the screen, so the theme's
#: call is removed from its script. This is the call as minified in pydata-sphinx-theme
#: 0.17.1 (pinned in requirements.txt); the build fails if it is not found.
THEME_SCRIPT = "scripts/pydata-sphinx-theme.js"
THEME_TAB_STOPS_CALL = re.compile(
    r'"complete"===document\.readyState\?(\w+)\(\):window\.addEventListener\("load",\1\)'
)
THEME_TAB_STOPS_DONE = "void 0/*book_assets: tab stops are set by book.js*/"


def lazy_theme_tab_stops(app: Sphinx, exception) -> None:
    """Remove the theme's all-at-once tab-stop pass from its script (book.js does it lazily)."""
    if exception is not None or app.builder.format != "html":
        return
    script = Path(app.outdir) / "_static" / THEME_SCRIPT
    text = script.read_text(encoding="utf8")
    if THEME_TAB_STOPS_DONE in text:
        return
    calls = list(THEME_TAB_STOPS_CALL.finditer(text))
    bodies = [re.search(rf"function {m.group(1)}\(\)\{{(.{{0,400}})", text) for m in calls]
    found = [
        m for m, body in zip(calls, bodies) if body and ".nboutput > .output_area" in body.group(1)
    ]
    if len(found) != 1:
        raise ConfigError(
            f"{THEME_SCRIPT}: expected one call of the theme's addTabStopsToScrollableElements "
            f"on 'load', found {len(found)}; pydata-sphinx-theme changed, so update "
            "THEME_TAB_STOPS_CALL in book/_ext/book_assets.py and the selectors in book.js"
        )
    m = found[0]
    patched = text[: m.start()] + THEME_TAB_STOPS_DONE + text[m.end() :]
    partial = script.with_suffix(".js.patching")
    partial.write_text(patched, encoding="utf8")
    partial.replace(script)


def setup(app: Sphinx) -> dict:
    # Progress bars are for people waiting at a kernel; on a static page tqdm's widget would
    # embed the whole widget manager in every page that trains. The chapters' kernels inherit this.
    os.environ.setdefault("TQDM_DISABLE", "1")
    app.add_config_value("book_assets_digest", "", "html")
    # priority < 500: run before myst-nb and Sphinx read these values
    app.connect("config-inited", set_cache_path, priority=400)
    app.connect("config-inited", stage_assets, priority=400)
    app.connect("config-inited", configure_katex_and_theme, priority=400)
    app.connect("source-read", note_page_dependencies)
    app.connect("html-page-context", tidy_page, priority=600)
    app.connect("build-finished", write_root_index, priority=400)
    app.connect("build-finished", purge_css, priority=900)
    app.connect("build-finished", lazy_theme_tab_stops, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
