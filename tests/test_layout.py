"""The package layout: a small core that is the method, book helpers and figures beside it.

The core (``netequiv/*.py``) must never import ``netequiv.chapters`` or ``netequiv.plotting``,
and ``netequiv.__all__`` exports only names defined in the core.
"""

import subprocess
import sys
from pathlib import Path

import netequiv

SRC = Path(netequiv.__file__).parent
CORE = sorted(p.stem for p in SRC.glob("*.py") if p.stem != "__init__")


def test_core_never_imports_chapters_or_plotting():
    code = (
        "import importlib, sys\n"
        f"for m in {CORE!r}:\n"
        "    importlib.import_module('netequiv.' + m)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('netequiv.chapters', 'netequiv.plotting')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core modules import {out.stdout.strip()}"


def test_core_modules_name_the_method():
    assert set(CORE) == {
        "_bandwidth",
        "_neighbors",
        "_validation",
        "baselines",
        "comparison",
        "dmap",
        "embedding",
        "interpolation",
        "measures",
        "metric",
        "observation",
        "parallel",
        "selection",
    } - ({"_bandwidth"} - set(CORE))


def test_public_names_come_from_the_core():
    for name in netequiv.__all__:
        if name == "__version__":
            continue
        module = getattr(netequiv, name).__module__
        assert module.split(".")[1] in CORE, (name, module)
