"""Each chapter's MyST Markdown and its paired .ipynb agree, and the .ipynb carries no outputs.

jupytext's `--sync` picks the newer file by timestamp, which is arbitrary in a fresh clone, so the
pairing is checked by content: same cell types and sources, in the same order.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.md"))
INSTALL = re.compile(r'%pip install -q "vae_core @ git\+(?P<url>[^"@]+)"')


def _ids(paths):
    return [p.stem for p in paths]


def _cells(nb):
    return [(cell.cell_type, cell.source.strip("\n")) for cell in nb.cells]


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks/NN_*.md found"


@pytest.mark.parametrize("md", CHAPTERS, ids=_ids(CHAPTERS))
def test_pair_has_identical_cells(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.is_file(), f"{ipynb.name} is missing: run .venv/bin/jupytext --to ipynb {md}"
    text = jupytext.read(md)
    paired = nbformat.read(ipynb, as_version=4)
    ours, theirs = _cells(text), _cells(paired)
    hint = f"re-run .venv/bin/jupytext --to ipynb notebooks/{md.name}"
    assert len(ours) == len(theirs), f"{md.name}: {len(ours)} cells vs {len(theirs)}; {hint}"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"{md.name}: cell {i} differs between .md and .ipynb; {hint}"
    tags_md = [c.metadata.get("tags", []) for c in text.cells]
    tags_nb = [c.metadata.get("tags", []) for c in paired.cells]
    assert tags_md == tags_nb, f"{md.name}: cell tags differ; {hint}"


@pytest.mark.parametrize("md", CHAPTERS, ids=_ids(CHAPTERS))
def test_ipynb_has_no_outputs(md):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{md.name}: cell {i} has outputs"
            assert cell.execution_count is None, f"{md.name}: cell {i} has an execution count"


@pytest.mark.parametrize("md", CHAPTERS, ids=_ids(CHAPTERS))
def test_install_cell_points_at_the_repository(md):
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    nb = jupytext.read(md)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{md.name} has no code cells"
    first = code[0]
    found = INSTALL.search(first.source)
    assert found, (
        f"{md.name}: the first code cell must install vae_core when absent:\n{first.source}"
    )
    assert found["url"].rstrip("/") == url, (
        f"{md.name} installs from {found['url']}, but _config.yml's repository.url is {url}"
    )
    assert "import vae_core" in first.source and "except ImportError" in first.source
    assert "requirements.txt" not in first.source.replace("never requirements.txt", "")
    assert "hide-input" in first.metadata.get("tags", []), (
        f"{md.name}: tag the install cell hide-input"
    )
