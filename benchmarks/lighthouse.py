"""Page weight and speed of the built book, measured by Lighthouse as a phone would see it.

    python -m benchmarks --only lighthouse [--quick]
    python -m benchmarks.lighthouse [--runs 5] [--html _build/html] [--json out.json]

The built site (``_build/html``; built first if absent) is served on 127.0.0.1 by a small
static server that gzips text responses, as a static host does. Lighthouse (the npm package
pinned in package.json, run with node) audits three pages on its default mobile profile
(simulated slow 4G, 4x CPU slowdown, 412 px wide screen) with Debian's chromium:

    book/intro.html                 the landing page (no code, no math)
    notebooks/07_kl_divergence.html a text chapter (math, code, figures)
    notebooks/10_latent_space.html  the widget chapter

Lighthouse does not scroll, so on the widget chapter it measures the page as a reader opens
it: the widgets, their saved state and their code load only when one nears the screen
(book/_static/widgets-loader.js). tests/test_site_browser.py prints the bytes of every page
with all its widgets drawn.

For each page the median run (by performance score) of ``--runs`` is kept: the category
scores (0-100), first contentful paint, largest contentful paint, total blocking time,
cumulative layout shift, speed index, the bytes transferred (gzipped, headers included) and
the audits that lost points, so a regression says what to fix.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = ("book/intro.html", "notebooks/07_kl_divergence.html", "notebooks/10_latent_space.html")
CATEGORIES = ("performance", "accessibility", "best-practices")
METRICS = {  # Lighthouse audit id -> key in results.json (numericValue)
    "first-contentful-paint": "fcp_ms",
    "largest-contentful-paint": "lcp_ms",
    "total-blocking-time": "tbt_ms",
    "speed-index": "speed_index_ms",
    "cumulative-layout-shift": "cls",
    "total-byte-weight": "bytes",
}
#: Content types a static host compresses (GitHub Pages, nginx `gzip_types`, ...).
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/xml",
    "application/x-ipynb+json",
)


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; text gzipped (level 6) when the client accepts it, and connections kept
    open between requests (HTTP/1.1), like a static host."""

    protocol_version = "HTTP/1.1"

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "application/javascript",
        ".mjs": "application/javascript",
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".svg": "image/svg+xml",
        ".ipynb": "application/x-ipynb+json",
    }

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            return super().send_head()  # directory redirects and index.html
        ctype = self.guess_type(path)
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and ctype.startswith(COMPRESSIBLE) and os.path.isfile(path)):
            return super().send_head()
        body = _gzipped(path, os.path.getmtime(path))
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return _Body(body)

    def log_message(self, *args):
        pass


class _Body:
    """The file-like object ``SimpleHTTPRequestHandler.do_GET`` copies to the socket."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, *_):
        data, self.data = self.data, b""
        return data

    def close(self):
        pass


@functools.lru_cache(maxsize=512)
def _gzipped(path: str, _mtime: float) -> bytes:
    return gzip.compress(Path(path).read_bytes(), 6)


@contextmanager
def serve(html: Path):
    """Yield the base URL of ``html`` served with gzip on 127.0.0.1 (a free port)."""
    handler = functools.partial(GzipHandler, directory=str(html))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def audit(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile, default throttling) of ``url``; its JSON report."""
    if not LIGHTHOUSE.is_file():
        raise SystemExit("lighthouse is not installed: run `npm ci` (make assets)")
    if not Path(CHROME).is_file():
        raise SystemExit(f"no chromium at {CHROME}: apt-get install chromium")
    cmd = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        "--max-wait-for-load=60000",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME}
    subprocess.run(cmd, check=True, env=env, timeout=300, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def summarize(report: dict) -> dict:
    """Scores (0-100), metrics and the audits that lost points, from a Lighthouse report."""
    audits = report["audits"]
    row = {c: round(100 * report["categories"][c]["score"]) for c in CATEGORIES}
    for audit_id, key in METRICS.items():
        value = audits[audit_id].get("numericValue")
        row[key] = round(value, 3) if key == "cls" else round(value or 0)
    failing = {}
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            a = audits[ref["id"]]
            if ref["weight"] > 0 and a.get("score") is not None and a["score"] < 1:
                failing[ref["id"]] = a.get("displayValue") or a["title"]
    row["lost_points"] = failing
    # Lighthouse's measure of this machine's CPU at the time (higher = faster; a quiet desktop
    # scores ~1000-2000): simulated timings scale with the observed ones, so a busy machine
    # reports slower pages.
    row["benchmark_index"] = round(report.get("environment", {}).get("benchmarkIndex", 0))
    requests = audits.get("network-requests", {}).get("details", {}).get("items", [])
    row["requests"] = len(requests)
    heaviest = sorted(requests, key=lambda r: r.get("transferSize", 0), reverse=True)[:5]
    row["heaviest"] = {r["url"].split("/", 3)[-1]: r.get("transferSize", 0) for r in heaviest}
    return row


def run(html: Path = HTML, runs: int = 5, pages=PAGES) -> dict:
    """Median-of-``runs`` Lighthouse summary per page; builds the book first if it is absent."""
    if not (html / "index.html").is_file():
        from . import book_build

        book_build._build()
    result = {
        "form_factor": "mobile",
        "runs": runs,
        "server": "gzip -6, HTTP/1.1 keep-alive (benchmarks/lighthouse.py)",
        "lighthouse": _lighthouse_version(),
        "pages": {},
    }
    tmp = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    try:
        with serve(html) as base:
            for page in pages:
                rows = [summarize(audit(base + page, tmp / f"{i}.json")) for i in range(runs)]
                rows.sort(key=lambda r: r["performance"])
                median = rows[len(rows) // 2]
                median["performance_all_runs"] = [r["performance"] for r in rows]
                result["pages"][page] = median
                print(f"  {page}: " + _line(median), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _lighthouse_version() -> str:
    package = LIGHTHOUSE.parent.parent / "package.json"
    return json.loads(package.read_text())["version"] if package.is_file() else "?"


def _line(r: dict) -> str:
    return (
        f"perf {r['performance']:>3}  a11y {r['accessibility']:>3}  bp {r['best-practices']:>3}  "
        f"{r['bytes'] / 1e6:5.2f} MB  FCP {r['fcp_ms'] / 1e3:4.1f} s  LCP {r['lcp_ms'] / 1e3:4.1f} s  "
        f"TBT {r['tbt_ms']:>5} ms  CLS {r['cls']:.3f}"
    )


def table(result: dict) -> str:
    lines = [
        f"Lighthouse {result['lighthouse']} ({result['form_factor']}, median of "
        f"{result['runs']}; targets: perf >= 90, a11y 100, best practices 100, "
        f"<= 1 MB without widgets)"
    ]
    for page, r in result["pages"].items():
        lines.append(f"  {page:<34}{_line(r)}")
        if r["lost_points"]:
            lines.append(
                "      lost points: " + "; ".join(f"{k} ({v})" for k, v in r["lost_points"].items())
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=HTML)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()
    result = run(args.html, args.runs)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
