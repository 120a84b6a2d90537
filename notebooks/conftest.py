"""Each chapter runs twice with the same numbers.

The book build is the first run: it executes every chapter and keeps the executed notebook in
its jupyter-cache (`_build/.jupyter_cache/<mode>-<key>`, see book/_ext/book_assets.py) and, on a
fresh build, in `_build/jupyter_execute/notebooks/`. nbval (`make test`) is the second run, in a
fresh kernel. Cells tagged `nbval-check-output` print the numbers a chapter asserts; for those
cells this hook hands nbval the first run's outputs as the reference, so nbval fails when the
second run prints anything different.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / "_build" / "jupyter_execute" / "notebooks"
MISSING = (
    "(no output from a first run of this cell: build the book first, `make book` or "
    "tests/test_book.py, so that its cache or {path} holds the executed chapter)\n"
)


def _from_cache(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """The executed notebook whose code matches `notebook`, from the book build's cache."""
    from jupyter_cache import get_cache

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import book_assets
    finally:
        sys.path.pop(0)
    folder = (
        ROOT
        / "_build"
        / ".jupyter_cache"
        / f"{book_assets.execution_mode()}-{book_assets.cache_key(ROOT)}"
    )
    if not folder.is_dir():
        return None
    try:
        return get_cache(folder).merge_match_into_notebook(notebook)[1]
    except KeyError:
        return None


def _reference_cells(path: Path) -> list:
    """Code cells of the first run of the chapter at `path`, or [] when there is none."""
    executed = _from_cache(nbformat.read(str(path), as_version=4))
    if executed is None and (EXECUTED / path.name).is_file():
        executed = nbformat.read(str(EXECUTED / path.name), as_version=4)
    return [c for c in executed.cells if c.cell_type == "code"] if executed else []


def pytest_collection_modifyitems(session, config, items):
    cache: dict[Path, list] = {}
    for item in items:
        if type(item).__name__ != "IPyNbCell" or not item.options.get("check"):
            continue
        path = Path(str(item.parent.fspath))
        reference = cache.setdefault(path, _reference_cells(path))
        cell = reference[item.cell_num] if item.cell_num < len(reference) else None
        if cell is None or cell.source != item.cell.source or not cell.get("outputs"):
            text = MISSING.format(path=EXECUTED / path.name)
            item.cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=text)
            ]
        else:
            item.cell.outputs = cell.outputs
        item.cell.execution_count = (
            1  # nbval ignores the reference outputs of unrun cells
        )
