"""The separate virtual environment for datafold and pydiffmap (benchmarks/_work/peers-venv).

datafold pins an older numpy/scipy/scikit-learn stack, so it never goes into the project's
.venv.  ``ensure()`` creates the environment once with the interpreter that runs this script
and returns its python, or ``None`` with the reason when it cannot be installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"
VENV = WORK / "peers-venv"
PACKAGES = ["datafold==2.0.2", "pydiffmap==0.2.0.1", "psutil"]


def python() -> Path:
    return VENV / "bin" / "python"


def ensure() -> tuple[Path | None, str]:
    """Create the venv if needed; return (its python or None, a message)."""
    stamp = VENV / ".installed"
    if stamp.exists():
        return python(), "peers venv ready"
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "peers-install.log"
    try:
        with open(log, "w") as fh:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, stdout=fh, stderr=fh)
            subprocess.run(
                [str(python()), "-m", "pip", "install", "--quiet", *PACKAGES], check=True, stdout=fh, stderr=fh
            )
    except (subprocess.CalledProcessError, OSError) as exc:
        return None, f"could not install {PACKAGES} into {VENV} ({exc}); see {log}. Peer rows are skipped."
    stamp.touch()
    return python(), "peers venv created"


if __name__ == "__main__":
    py, msg = ensure()
    print(msg, py)
