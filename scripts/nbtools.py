"""Small helpers to write chapter notebooks with nbformat (no outputs, kernel python3)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def md(text: str):
    """A markdown cell (text dedented and stripped)."""
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(src: str, *, tags=(), caption: str | None = None, name: str | None = None):
    """A code cell; ``caption``/``name`` make its figure output a numbered, referable figure."""
    cell = nbformat.v4.new_code_cell(textwrap.dedent(src).strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    if caption is not None:
        cell.metadata["mystnb"] = {"figure": {"caption": textwrap.dedent(caption).strip(), "name": name}}
    return cell


def write(cells, path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):  # stable ids: reruns of the generator give identical files
        cell["id"] = f"cell-{i:03d}"
    nbformat.validate(nb)
    Path(path).write_text(nbformat.writes(nb) + "\n")


def collector():
    """``(cells, M, C)``: an empty cell list and two appenders, ``M(text)`` for markdown and
    ``C(src, *tags)`` for code, as the chapter generators write them."""
    cells = []

    def M(text: str) -> None:
        cells.append(md(text))

    def C(src: str, *tags: str) -> None:
        cells.append(code(src, tags=tags))

    return cells, M, C
