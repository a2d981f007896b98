"""Build the fast-mode book from notebooks that the test suite has already executed.

``make test`` runs every chapter notebook once, in fast mode, through papermill (pytest,
``tests/test_notebooks.py``), and keeps the executed copies in ``_build/fast-executed``.
This script stages the book sources with those executed notebooks into
``_build/fast-src`` and builds the HTML there with execution switched off, so the check
"the whole book builds with zero Sphinx warnings" costs no second execution.

Two checks a reader would otherwise catch: the cell that papermill injects (tagged
``injected-parameters``, holding the test's temporary ``results_dir``) is dropped from the
staged notebooks, so it appears neither on a page nor in a downloaded notebook; and after the
build no page or downloadable source may contain a path of this machine.  The fast book
carries a banner saying that its sizes are reduced.

Usage: python scripts/build_fast_book.py [EXECUTED_DIR] [OUTPUT_DIR] [--builder singlehtml] [--full]

``make pdf`` uses it too: the full book's executed notebooks (``_build/jupyter_execute``) as
one page (``--builder singlehtml --full``), which ``scripts/print_pdf.py`` prints.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

#: what a machine path looks like in a page (the checkout, temporary and home folders)
MACHINE_PATH = re.compile(
    r"(/home/[a-z]|/root/|/Users/[A-Za-z]|pytest-of-|" + re.escape(str(Path(__file__).resolve().parents[1])) + ")"
)
PRINT_TAGS = {"hide-input": "remove-input", "hide-output": "remove-output", "hide-cell": "remove-cell"}
BANNER = (
    "Fast build: every chapter ran with reduced sizes (<code>fast = True</code>); "
    "numbers differ from the full book (<code>make book</code>)."
)

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


def restore_glue(nb, glue_file: Path) -> None:
    """Put back the glued values that myst-nb moved out of its executed copy of a notebook.

    ``jupyter-book build`` writes each executed notebook to ``_build/jupyter_execute`` without
    its glue outputs, which it keeps beside it in ``<name>.glue.json`` (with the mime prefix of
    the data keys stripped).  A build from that copy with execution off would find no glue
    data; one hidden code cell at the end carries the outputs again.  Papermill's copies
    (``make test``) keep their glue outputs and have no such file.
    """
    if not glue_file.is_file():
        return
    outputs = []
    for out in json.loads(glue_file.read_text()).values():
        prefix = out.get("metadata", {}).get("scrapbook", {}).get("mime_prefix", "")
        outputs.append(nbformat.from_dict({**out, "data": {prefix + k: v for k, v in out["data"].items()}}))
    cell = nbformat.v4.new_code_cell("# the glued values of this run", metadata={"tags": ["remove-cell"]})
    cell.id, cell.outputs = "restored-glue", outputs
    nb.cells.append(cell)


def main(executed: Path, output: Path, *, builder: str = "html", fast: bool = True) -> int:
    stage = ROOT / "_build" / ("fast-src" if fast else f"{builder}-src")
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in ("_toc.yml", "references.bib"):
        shutil.copy2(ROOT / name, stage / name)
    shutil.copytree(ROOT / "book", stage / "book")
    if (ROOT / "_static").is_dir():  # the book's own CSS (print rules for make pdf)
        shutil.copytree(ROOT / "_static", stage / "_static")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    if fast:
        config.setdefault("html", {})["announcement"] = BANNER
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
        nb = nbformat.read(src, as_version=4)
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
        restore_glue(nb, src.with_suffix(".glue.json"))
        nb.metadata.pop("papermill", None)  # input/output paths of the test run
        for cell in nb.cells:
            cell.metadata.pop("papermill", None)
            if builder == "singlehtml":  # a printed page cannot unfold: hidden means removed
                tags = cell.metadata.get("tags", [])
                cell.metadata["tags"] = [PRINT_TAGS.get(t, t) for t in tags]
        nbformat.write(nb, stage / f"{entry}.ipynb")
    if missing:
        print(
            f"no executed copy of {missing} in {executed}: run the notebook tests first "
            "(make test runs them before this script).",
            file=sys.stderr,
        )
        return 1
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(stage), "-W", "-n", "--keep-going", "--path-output", str(output)]
    if builder != "html":
        cmd += ["--builder", builder]
    rc = subprocess.call(cmd)
    if rc == 0:
        rc = check_pages(output / "_build" / builder)
    return rc


def check_pages(html: Path) -> int:
    """Fail when a page or a downloadable notebook shows an injected cell or a machine path."""
    bad = []
    for f in sorted(html.rglob("*")):
        if f.suffix not in (".html", ".ipynb", ".md") or not f.is_file():
            continue
        text = f.read_text(errors="replace")
        for hit in sorted({m.group(0) for m in MACHINE_PATH.finditer(text)}):
            bad.append(f"{f.relative_to(html)}: machine path {hit!r}")
        if "injected-parameters" in text:
            bad.append(f"{f.relative_to(html)}: papermill's injected cell")
    for line in bad:
        print(line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Build the book from executed notebooks (no execution).")
    ap.add_argument("executed", nargs="?", default=str(ROOT / "_build" / "fast-executed"))
    ap.add_argument("output", nargs="?", default=str(ROOT / "_build" / "fast"))
    ap.add_argument("--builder", default="html", help="jupyter-book builder (html, singlehtml, ...)")
    ap.add_argument("--full", action="store_true", help="full-mode notebooks: no reduced-sizes banner")
    a = ap.parse_args()
    sys.exit(main(Path(a.executed).resolve(), Path(a.output).resolve(), builder=a.builder, fast=not a.full))
