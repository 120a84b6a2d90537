"""The package's layering, read from the source with `ast` (nothing is imported or run):

- every module has one place in the declared stack LAYERS, and every import of a package module,
  at top level or inside a function, points strictly down it (so the graph has no cycle);
- no module uses another module's private names;
- each of Eqs. (1)-(11) has exactly one implementing function (its docstring starts "Eq. (N)"
  or "Eqs. (N)..."), and `vae_core.EQUATIONS` names it;
- the math modules import neither data loading, nor training, nor widgets;
- no module computes log(sigmoid(.)): log-probabilities come from logits.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vae_core"

# The declared stack, lowest first; a module may import only from strictly lower layers.
LAYERS = [
    ["_validate"],
    ["config"],
    ["kernels"],
    ["fused"],
    ["model"],
    ["likelihoods"],
    ["objective"],
    ["estimators", "linear_gaussian", "grid", "rate_distortion", "aggregate"],
    ["data", "history", "inference_gaps"],
    ["checkpoint"],
    ["train"],
    ["pretrained"],
    ["family"],
    ["plotting", "claims", "widgets", "exercises"],
]
RANK = {module: rank for rank, layer in enumerate(LAYERS) for module in layer}
MATH = [
    "_validate",
    "config",
    "kernels",
    "fused",
    "model",
    "likelihoods",
    "objective",
    "estimators",
    "linear_gaussian",
    "grid",
    "rate_distortion",
    "inference_gaps",
    "aggregate",
]
NOT_MATH = {"torchvision", "tqdm", "anywidget", "ipywidgets", "safetensors", "matplotlib"}
TRAINING = {
    "vae_core.train",
    "vae_core.pretrained",
    "vae_core.family",
    "vae_core.data",
    "vae_core.checkpoint",
    "tqdm",
}


def imported_modules(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module `path` imports anywhere (top level or inside functions), as absolute names."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
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


def top_module(path: Path, root: Path = PACKAGE) -> str:
    """The stack entry a file belongs to: 'model' for model.py, 'widgets' for widgets/latent.py."""
    return path.relative_to(root).parts[0].removesuffix(".py")


def package_imports(path: Path, root: Path = PACKAGE) -> set[str]:
    """The package modules `path` imports, as stack entries ('objective', 'widgets', ...)."""
    found = set()
    for name in imported_modules(path, root):
        parts = name.split(".")
        if parts[0] == "vae_core" and len(parts) > 1 and parts[1] in RANK:
            found.add(parts[1])
    return found - {top_module(path, root)}


def upward_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """The package modules `path` imports from its own layer or above (should be none)."""
    here = RANK[top_module(path, root)]
    return sorted(m for m in package_imports(path, root) if RANK[m] >= here)


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if top_module(p) != "__init__")


def test_every_module_has_a_place_in_the_stack():
    modules = {top_module(p) for p in SOURCES}
    assert modules - set(RANK) == set(), "add new modules to LAYERS"
    assert set(RANK) - modules == set(), "LAYERS names a module that does not exist"


def test_imported_modules_resolves_relative_imports():
    names = imported_modules(PACKAGE / "widgets" / "latent.py")
    assert "vae_core.grid" in names and "vae_core.widgets.export" in names
    assert "train" in package_imports(PACKAGE / "pretrained.py")


def test_the_layer_check_catches_upward_and_lazy_imports(tmp_path):
    root = tmp_path / "vae_core"
    (root / "widgets").mkdir(parents=True)
    (root / "objective.py").write_text(
        "from .model import VAE\ndef f():\n    from .train import fit\n"
    )
    (root / "widgets" / "latent.py").write_text("from ..grid import posterior_on_grid\n")
    (root / "grid.py").write_text("import vae_core.estimators\n")
    assert upward_imports(root / "objective.py", root) == ["train"]
    assert upward_imports(root / "widgets" / "latent.py", root) == []
    assert upward_imports(root / "grid.py", root) == ["estimators"]  # same layer: refused


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_stack(path):
    assert upward_imports(path) == [], f"{path.name} imports from its own layer or above"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_names_of_other_modules(path):
    own = top_module(path)
    used = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            target = node.module.split(".")[-1] if node.level else node.module.split(".")[1:2]
            target = target if isinstance(target, str) else (target[0] if target else "")
            if target == own or target not in RANK:
                continue
            used += [
                f"{node.module}.{a.name}"
                for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")
            ]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in RANK and node.value.id != own and node.attr.startswith("_"):
                used.append(f"{node.value.id}.{node.attr}")
    assert used == []


def test_no_cycles_in_the_package_graph():
    graph = {top_module(p): set() for p in SOURCES}
    for p in SOURCES:
        graph[top_module(p)] |= package_imports(p)
    order = sorted(graph, key=RANK.get)  # a topological order exists iff all edges point down
    assert all(RANK[dep] < RANK[m] for m in order for dep in graph[m])


@pytest.mark.parametrize("module", MATH)
def test_math_modules_import_no_data_training_or_widgets(module):
    names = imported_modules(PACKAGE / f"{module}.py")
    assert offending(names, NOT_MATH) == []
    assert all(RANK.get(m, 0) <= RANK["grid"] for m in package_imports(PACKAGE / f"{module}.py"))


def test_package_import_loads_no_data_or_training():
    names = imported_modules(PACKAGE / "__init__.py")
    assert offending(names, TRAINING - {"vae_core.checkpoint"} | {"vae_core.widgets"}) == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "widgets").glob("*.py")), ids=lambda p: p.name)
def test_widgets_know_nothing_of_training(path):
    assert offending(imported_modules(path), TRAINING) == []


EQ_START = re.compile(r"^Eqs?\. \((\d+)\)(?:( and |-)\((\d+)\))?")


def implementers() -> dict[int, list[str]]:
    """Equation number -> functions whose docstring starts by claiming it."""
    found: dict[int, list[str]] = {n: [] for n in range(1, 12)}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                match = EQ_START.match(ast.get_docstring(node) or "")
                if match:
                    first, joint, second = match.groups()
                    numbers = (
                        [int(first)]
                        if second is None
                        else (
                            [int(first), int(second)]
                            if joint == " and "
                            else range(int(first), int(second) + 1)
                        )
                    )
                    for n in numbers:
                        found[n].append(f"{top_module(path)}.{node.name}")
    return found


def test_each_equation_has_exactly_one_implementing_function():
    found = implementers()
    assert {n: len(v) for n, v in found.items()} == dict.fromkeys(range(1, 12), 1), found


def test_the_equation_table_names_the_implementers():
    import vae_core

    found = implementers()
    for n, func in vae_core.EQUATIONS.items():
        module = func.__module__.split(".")[-1]
        assert found[n] == [f"{module}.{func.__name__}"], (n, found[n])


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


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_log_of_sigmoid_in_the_package(path):
    assert sigmoid_then_log(ast.parse(path.read_text())) == []


def test_the_package_version_is_declared_once_in_agreement():
    import tomllib

    import vae_core

    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == vae_core.__version__
