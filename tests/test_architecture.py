"""The package's layering, read from the source with `ast` (nothing is imported or run):

- the math modules import neither data loading, nor training, nor checkpoints, nor widgets,
  not even lazily inside a function;
- the widgets know nothing of training;
- no module computes log(sigmoid(.)): log-probabilities come from logits.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vae_core"
MATH = ["config", "model", "objective", "estimators", "linear_gaussian", "grid", "likelihoods",
        "_validate"]
NOT_MATH = {"vae_core.data", "vae_core.train", "vae_core.pretrained", "vae_core.checkpoint",
            "vae_core.widgets", "vae_core.exercises", "torchvision", "tqdm", "anywidget",
            "ipywidgets", "safetensors"}
TRAINING = {"vae_core.train", "vae_core.pretrained", "vae_core.data", "tqdm"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports anywhere (top level or inside functions), as absolute names."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import data`
    return names


def offending(names: set[str], forbidden: set[str]) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


def test_imported_modules_resolves_relative_imports():
    names = imported_modules(PACKAGE / "widgets" / "latent.py")
    assert "vae_core.grid" in names and "vae_core.widgets.export" in names
    assert "vae_core.data" in imported_modules(PACKAGE / "pretrained.py")  # a lazy import counts


@pytest.mark.parametrize("module", MATH)
def test_math_modules_import_no_data_training_or_widgets(module):
    assert offending(imported_modules(PACKAGE / f"{module}.py"), NOT_MATH) == []


def test_package_import_loads_no_data_or_training():
    names = imported_modules(PACKAGE / "__init__.py")
    assert offending(names, TRAINING | {"vae_core.widgets"}) == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "widgets").glob("*.py")), ids=lambda p: p.name)
def test_widgets_know_nothing_of_training(path):
    assert offending(imported_modules(path), TRAINING) == []


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def sigmoid_then_log(tree: ast.AST) -> list[int]:
    """Lines where log(...) is applied directly to sigmoid(...) or .sigmoid()."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) not in ("log", "log1p", "log2"):
            continue
        inner = node.args[0] if node.args else getattr(node.func, "value", None)
        if isinstance(inner, ast.Call) and _name(inner.func) == "sigmoid":
            lines.append(node.lineno)
    return lines


def test_the_sigmoid_then_log_detector_works():
    bad = "torch.log(torch.sigmoid(l))\nx = l.sigmoid().log()\nF.logsigmoid(l)\n"
    assert sigmoid_then_log(ast.parse(bad)) == [1, 2]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_log_of_sigmoid_in_the_package(path):
    assert sigmoid_then_log(ast.parse(path.read_text())) == []
