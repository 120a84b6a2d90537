"""pytest plugin for .ci/test_latest.sh: fail at once unless vae_core is the installed wheel.

A checkout on sys.path (or an editable install) would test the working tree instead of what
users install; this makes that mistake loud.
"""

from __future__ import annotations

import sys
from pathlib import Path


def pytest_sessionstart(session) -> None:
    import vae_core

    where = Path(vae_core.__file__).resolve()
    prefix = Path(sys.prefix).resolve()
    if prefix not in where.parents:
        raise SystemExit(
            f"vae_core imported from {where}, not from the test venv {prefix}: "
            "the checkout leaks onto sys.path"
        )
    print(f"vae_core {vae_core.__version__} from {where.parent}")
