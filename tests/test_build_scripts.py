"""The book-building script (scripts/build_fast_book.py): what it puts back and what it refuses."""

import importlib.util
import json

import nbformat
from conftest import ROOT
from myst_nb.ext.glue import extract_glue_data

_spec = importlib.util.spec_from_file_location("build_fast_book", ROOT / "scripts" / "build_fast_book.py")
build_fast_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_fast_book)

PREFIX = "application/papermill.record/"


def _glue_output(name, text):
    return {
        "output_type": "display_data",
        "metadata": {"scrapbook": {"name": name, "mime_prefix": PREFIX}},
        "data": {"text/plain": text},  # as myst-nb writes <name>.glue.json: prefix stripped
    }


def test_glue_moved_out_by_myst_nb_is_restored(tmp_path):
    # `jupyter-book build` keeps the glued values of its executed copy in <name>.glue.json;
    # `make pdf` builds from that copy, so the values must go back into the notebook
    glue_file = tmp_path / "chapter.glue.json"
    glue_file.write_text(json.dumps({"err": _glue_output("err", "0.0123"), "verdict": _glue_output("verdict", "'x'")}))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("The error is {glue:text}`err:.2f`.")])
    build_fast_book.restore_glue(nb, glue_file)
    assert nb.cells[-1].metadata["tags"] == ["remove-cell"]
    nbformat.validate(nb)
    data = extract_glue_data(nb, [0] * len(nb.cells), None)  # what myst-nb reads when building
    assert set(data) == {"err", "verdict"}
    assert data["err"]["data"] == {"text/plain": "0.0123"}


def test_no_glue_file_changes_nothing(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    build_fast_book.restore_glue(nb, tmp_path / "missing.glue.json")
    assert len(nb.cells) == 1
