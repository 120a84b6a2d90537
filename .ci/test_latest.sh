#!/usr/bin/env bash
# The package as users get it: a second virtual environment resolved from pyproject.toml's lower
# bounds alone (the newest matching releases), with torch and torchvision held at the locally
# cached versions, and vae_core installed NON-editable from a freshly built wheel. Then the fast
# unit tests (no book build, no browser) and chapter 1 top to bottom under nbval run against it.
#
#   .ci/test_latest.sh            (or: make test-latest)
#
# Environment: LATEST_VENV (where the venv goes; outside the checkout, because Sphinx scans hidden
# folders), VAE_CORE_DATA (MNIST), LATEST_TORCH (the torch constraint).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${LATEST_VENV:-$HOME/.cache/vae_core/venv-latest}
TORCH=${LATEST_TORCH:-"torch==2.14.1 torchvision==0.29.1"}
CHAPTER=${LATEST_CHAPTER:-notebooks/01_latent_variable_models.md}
# MNIST: $VAE_CORE_DATA (the Makefile and .ci/run set it), else torchvision's download folder.
export VAE_CORE_DATA=${VAE_CORE_DATA:-$HOME/.cache/vae_core/data}
export VAE_BOOK_FAST=1 MPLBACKEND=Agg OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
unset PYTHONPATH VIRTUAL_ENV
[[ -d "$VAE_CORE_DATA/MNIST/raw" ]] || echo "note: no MNIST under VAE_CORE_DATA=$VAE_CORE_DATA;" \
    "the data tests will try to download it"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
start=$SECONDS
step() { echo "[test-latest $((SECONDS - start)) s] $*"; }

PIP="$VENV/bin/pip"
# pip's warnings about this machine's local index mirrors are noise; its exit code is kept.
pip_() { "$PIP" "$@" 2> >(grep -v "is ignored" >&2); }
if [[ "${LATEST_REUSE:-0}" == 1 && -x "$PIP" ]]; then
    step "reusing $VENV (LATEST_REUSE=1: dependencies not re-resolved)"
else
    step "fresh venv in $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    pip_ install -q --upgrade pip
fi

# Only torch is constrained (other versions would download gigabytes); everything else is what a
# user's `pip install` picks today.
tr ' ' '\n' <<<"$TORCH" >"$WORK/constraints.txt"

step "build the wheel from a clean copy of the package"
mkdir "$WORK/src"
cp "$REPO/pyproject.toml" "$REPO/README.md" "$WORK/src/"
(cd "$REPO" && git ls-files -z vae_core) | (cd "$REPO" && xargs -0 cp --parents -t "$WORK/src")
pip_ wheel -q --no-deps -w "$WORK/dist" "$WORK/src"
WHEEL=$(ls "$WORK"/dist/vae_core-*.whl)

step "install $(basename "$WHEEL") with its declared dependencies (newest releases)"
pip_ install -q --force-reinstall --no-deps "$WHEEL"  # a reused venv gets this build too
pip_ install -q -c "$WORK/constraints.txt" "$WHEEL"
# Test tools, newest too: the suite's own needs beyond the package's.
pip_ install -q -c "$WORK/constraints.txt" pytest hypothesis jupytext nbval ipykernel
pip_ check
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
names = ["torch", "torchvision", "numpy", "safetensors", "tqdm", "ipywidgets", "anywidget",
         "matplotlib", "pytest", "hypothesis", "jupytext", "nbval", "ipykernel", "jupyter_client",
         "nbformat", "traitlets", "sympy", "mpmath", "pillow"]
def version(name):
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return "absent"
print("resolved:", ", ".join(f"{n}=={version(n)}" for n in names))
PY

step "unit tests (not slow, not browser) against the installed wheel"
# The pytest console script does not put the checkout on sys.path; the plugin proves it.
# The browser test modules are left out whole: they import playwright (not installed here) at
# collection time, which would show as a skip.
(cd "$REPO" && PYTHONPATH="$REPO/.ci" "$VENV/bin/pytest" -p installed_package -q \
    -p no:cacheprovider -m "not slow and not browser" --ignore-glob="tests/*browser*.py" tests)

step "$CHAPTER top to bottom (nbval-lax: every cell runs, marked outputs compared)"
NB="$WORK/chapter/$(basename "${CHAPTER%.md}").ipynb"
mkdir -p "$WORK/chapter"
"$VENV/bin/jupytext" --quiet --to ipynb -o "$NB" "$REPO/$CHAPTER"
(cd "$WORK/chapter" && "$VENV/bin/pytest" -q -p no:cacheprovider --nbval-lax \
    --nbval-current-env --nbval-cell-timeout=900 "$NB")

step "done"
