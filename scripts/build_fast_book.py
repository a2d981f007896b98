"""Build the fast-mode book from notebooks that the test suite has already executed.

``make test`` runs every chapter notebook once, in fast mode, through papermill (pytest,
``tests/test_notebooks.py``), and keeps the executed copies in ``_build/fast-executed``.
This script stages the book sources with those executed notebooks into
``_build/fast-src`` and builds the HTML there with execution switched off, so the check
"the whole book builds with zero Sphinx warnings" costs no second execution.

Usage: python scripts/build_fast_book.py [EXECUTED_DIR] [OUTPUT_DIR]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files(toc: dict) -> list[str]:
    """Every ``file:`` entry of a Jupyter Book ``_toc.yml``, the root included."""
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc.get("parts", toc.get("chapters", [])))
    return found


def main(executed: Path, output: Path) -> int:
    stage = ROOT / "_build" / "fast-src"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in ("_toc.yml", "references.bib"):
        shutil.copy2(ROOT / name, stage / name)
    shutil.copytree(ROOT / "book", stage / "book")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    missing = []
    (stage / "notebooks").mkdir()
    for entry in toc_files(toc):
        if not entry.startswith("notebooks/"):
            continue
        src = executed / f"{Path(entry).name}.ipynb"
        if not src.is_file():
            missing.append(entry)
            continue
        shutil.copy2(src, stage / f"{entry}.ipynb")
    if missing:
        print(
            f"no executed copy of {missing} in {executed}: run the notebook tests first "
            "(make test runs them before this script).",
            file=sys.stderr,
        )
        return 1
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(stage), "-W", "-n", "--keep-going", "--path-output", str(output)]
    return subprocess.call(cmd)


if __name__ == "__main__":
    args = sys.argv[1:]
    executed = Path(args[0]) if args else ROOT / "_build" / "fast-executed"
    output = Path(args[1]) if len(args) > 1 else ROOT / "_build" / "fast"
    sys.exit(main(executed.resolve(), output.resolve()))
