"""Each chapter runs twice with the same numbers.

The book build is the first run: it executes every chapter and writes the executed copy to
`_build/jupyter_execute/notebooks/<chapter>.ipynb`. nbval (`make test`) is the second run, in a
fresh kernel. Cells tagged `nbval-check-output` print the numbers a chapter asserts; for those
cells this hook hands nbval the first run's outputs as the reference, so nbval fails when the
second run prints anything different.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

BUILD = Path(__file__).resolve().parent.parent / "_build" / "jupyter_execute" / "notebooks"
MISSING = ("(no output from a first run of this cell: the book build writes it to {path}; "
           "run `make book` or tests/test_book.py before nbval)\n")


def _reference_cells(notebook: Path) -> list[dict]:
    executed = BUILD / notebook.name
    if not executed.is_file():
        return []
    cells = nbformat.read(str(executed), as_version=4).cells
    return [c for c in cells if c.cell_type == "code"]


def pytest_collection_modifyitems(session, config, items):
    cache: dict[Path, list[dict]] = {}
    for item in items:
        if type(item).__name__ != "IPyNbCell" or not item.options.get("check"):
            continue
        notebook = Path(str(item.parent.fspath))
        reference = cache.setdefault(notebook, _reference_cells(notebook))
        cell = reference[item.cell_num] if item.cell_num < len(reference) else None
        if cell is None or cell.source != item.cell.source or not cell.get("outputs"):
            text = MISSING.format(path=BUILD / notebook.name)
            item.cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        else:
            item.cell.outputs = cell.outputs
        item.cell.execution_count = 1  # nbval ignores the reference outputs of unrun cells
