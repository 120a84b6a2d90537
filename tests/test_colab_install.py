"""A Colab-like run: vae_core installed alone from a wheel into a fresh virtual environment.

The wheel is built from a copy of the package's files (pyproject.toml, README.md, vae_core/) and
installed with --no-deps into a new venv. That venv sees torch & co. through a .pth line that
adds this project's .venv site-packages to sys.path; a .pth *line* does not run the .pth files of
the folder it adds, so the editable install's finder (which maps vae_core to the checkout) stays
off. A script then runs from an empty temporary folder (no checkout on the path), checks that
vae_core comes from the new venv, loads a shipped pretrained model, and runs the first code cells
of chapter 1 with the install cell's `%pip` line replaced by a failure.

A fast test checks the other half of "install as users get it": every top-level module that a
chapter imports is provided by a dependency that pyproject.toml declares, directly or through the
declared packages' own requirements (mpmath arrives with torch via sympy), so a student who
`pip install`s the package and opens a chapter does not hit an ImportError.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHAPTER = REPO / "notebooks" / "01_latent_variable_models.md"
FIRST_CELLS = 4

SCRIPT = r"""
import json, os, sys, time
from pathlib import Path

venv = Path(sys.argv[1]).resolve()
tic = time.perf_counter()
import vae_core
where = Path(vae_core.__file__).resolve()
assert venv in where.parents, f"vae_core imported from {where}, not from the fresh venv {venv}"
assert not any(p and Path(p).resolve() == Path(os.environ["CHECKOUT"]) for p in sys.path), sys.path
print("vae_core", vae_core.__version__, "from", where)

from vae_core import pretrained
names = pretrained.available()
print("pretrained in the wheel:", names)
for name in names:
    model, card = pretrained.load_pretrained(name)  # verifies the SHA-256
    print(name, "test ELBO", card.test_elbo, "latent", model.config.latent_dim)

cells = json.loads(Path("cells.json").read_text())
scope = {"__name__": "__main__"}
for i, source in enumerate(cells):
    exec(compile(source, f"<chapter 1, code cell {i}>", "exec"), scope)
print(f"ran {len(cells)} chapter cells in {time.perf_counter() - tic:.1f} s")
"""


IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def _chapter_imports() -> dict[str, list[str]]:
    """Top-level modules imported in the chapters' code cells -> the chapters importing them."""
    import jupytext

    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.md")):
        code = "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "code")
        for module in sorted(set(IMPORT.findall(code))):
            found.setdefault(module, []).append(path.name)
    return found


def _requirement_name(line: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _declared_closure() -> set[str]:
    """pyproject's dependencies and, through installed metadata, everything they require."""
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    todo = [_requirement_name(d) for d in declared]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_requirement_name(r) for r in requires if "extra ==" not in r]
    return seen


def test_every_module_a_chapter_imports_is_declared():
    providers = metadata.packages_distributions()  # top-level module -> distributions
    closure = _declared_closure()
    missing = {}
    for module, chapters in _chapter_imports().items():
        if module in sys.stdlib_module_names or module == "vae_core":
            continue
        names = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
        if not names & closure:
            missing[module] = chapters
    assert not missing, (
        f"chapters import modules that `pip install vae_core` does not bring: {missing}; declare "
        f"them in [project] dependencies of pyproject.toml (a lower bound only)"
    )
    assert "matplotlib" in _chapter_imports()  # the test looks at real imports


def _code_cells(path: Path, count: int) -> list[str]:
    import jupytext

    cells = [c.source for c in jupytext.read(path).cells if c.cell_type == "code"][:count]
    # IPython magics are not Python: the install line must never be needed here.
    magic = re.compile(r"^(\s*)%.*$", re.MULTILINE)
    return [
        magic.sub(r'\1raise SystemExit("vae_core did not import from the wheel")', c) for c in cells
    ]


@pytest.mark.slow
def test_wheel_installs_alone_and_runs_a_chapter(tmp_path):
    # 1. Build the wheel from a copy of the package's files.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(
        REPO / "vae_core",
        src / "vae_core",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*.tmp"),
    )
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
            str(src),
        ],
        check=True,
        timeout=120,
    )
    (wheel,) = dist.glob("vae_core-*.whl")
    contents = zipfile.ZipFile(wheel).namelist()
    packages = sorted(
        str(p.parent.relative_to(REPO))
        for p in (REPO / "vae_core").rglob("__init__.py")
        if "__pycache__" not in p.parts
    )
    left_out = [p for p in packages if f"{p}/__init__.py" not in contents]
    assert not left_out, (
        f"the wheel lacks {left_out}: list them in [tool.setuptools] packages in "
        f"pyproject.toml (or use packages.find), else Colab cannot import them"
    )
    shipped = [n for n in contents if n.startswith("vae_core/weights/")]
    assert "vae_core/weights/registry.json" in shipped or not any(
        (REPO / "vae_core" / "weights").glob("*.safetensors")
    ), "weights missing from the wheel"
    assert not [n for n in contents if n.startswith(("tests/", "notebooks/"))]

    # 2. A fresh venv that sees torch through a .pth line, and the wheel installed alone.
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60
    )
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(
        subprocess.run(
            [str(python), "-c", purelib], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    dev_site = Path(sysconfig.get_paths()["purelib"])
    (site / "dev_dependencies.pth").write_text(f"{dev_site}\n")
    probe = subprocess.run(
        [str(python), "-c", "import vae_core"], capture_output=True, text=True, cwd=tmp_path
    )
    assert probe.returncode != 0, "vae_core importable before installing the wheel: the test leaks"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=120,
    )

    # 3. Run from an empty folder: the package, a pretrained model, chapter 1's first cells.
    work = tmp_path / "colab"
    work.mkdir()
    (work / "cells.json").write_text(json.dumps(_code_cells(CHAPTER, FIRST_CELLS)))
    (work / "run.py").write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(MPLBACKEND="Agg", VAE_BOOK_FAST="1", CHECKOUT=str(REPO))
    env.setdefault("VAE_CORE_DATA", str(REPO.parent / "shared" / "data"))
    result = subprocess.run(
        [str(python), "run.py", str(venv)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "from " + str(venv) in result.stdout.replace(str(venv.resolve()), str(venv))
    assert f"ran {FIRST_CELLS} chapter cells" in result.stdout
