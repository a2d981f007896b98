"""Cheap checks that a fresh checkout would otherwise catch only in the book build.

* notebooks are committed without outputs or execution counts, name the ``python3``
  kernel, and have one cell tagged ``parameters`` defining ``fast`` (from ``BOOK_FAST``),
  ``seed`` and ``results_dir``;
* code cells stay short (the algorithms live in the package);
* every file named in ``_toc.yml`` exists, and every notebook is in the table of contents;
* every public name of ``netequiv`` is documented on the API page.
"""

import ast
import json
import re

import pytest
import yaml
from conftest import ROOT, notebook_paths

import netequiv

NOTEBOOKS = notebook_paths()
MAX_CODE_LINES = 30


def _load(path):
    return json.loads(path.read_text())


def _toc_files(node):
    """All ``file:`` entries of a jb-book toc, recursively, plus the root."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_toc_files(item))
    return found


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


@pytest.fixture(scope="module")
def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert toc.get("format") == "jb-book"
    return _toc_files(toc)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_no_outputs(path):
    nb = _load(path)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name}: code cell {i} has outputs; clear them"
            assert cell.get("execution_count") is None, f"{path.name}: code cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_kernel_is_python3(path):
    assert _load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_parameters_cell(path):
    cells = [c for c in _load(path)["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{path.name}: expected exactly one cell tagged 'parameters', found {len(cells)}"
    cell = cells[0]
    assert cell["cell_type"] == "code"
    tree = ast.parse(_source(cell))
    assigned = {
        t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    }
    missing = {"fast", "seed", "results_dir"} - assigned
    assert not missing, f"{path.name}: the parameters cell does not define {sorted(missing)}"
    assert re.search(r"fast\s*=.*BOOK_FAST", _source(cell)), f"{path.name}: fast must default to BOOK_FAST"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_cells_are_short(path):
    for i, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] == "code":
            n = len(_source(cell).strip().splitlines())
            assert n <= MAX_CODE_LINES, (
                f"{path.name}: code cell {i} has {n} lines (at most {MAX_CODE_LINES}); move the algorithm "
                "into the package"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_fits_the_page(path):
    """Code lines of at most 88 characters (notebooks/ruff.toml), so no cell scrolls sideways."""
    nb = json.loads(path.read_text())
    long = [
        (i, len(line))
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line) > 88
    ]
    assert not long, f"{path.name}: (cell, length) of lines over 88 characters: {long}"


def test_notebook_cell_ids_are_stable():
    """Every cell has an id, unique in its notebook (nbformat 4.5), so diffs stay small."""
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        ids = [c.get("id") for c in nb["cells"]]
        assert all(ids) and len(set(ids)) == len(ids), path.name


def test_toc_entries_exist(toc_files):
    for entry in toc_files:
        candidates = [ROOT / entry] + [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(p.is_file() for p in candidates), f"_toc.yml names {entry}, which does not exist"


def test_every_notebook_is_in_the_toc(toc_files):
    listed = {str((ROOT / e).with_suffix("")) for e in toc_files}
    for path in NOTEBOOKS:
        assert str(path.with_suffix("")) in listed, (
            f"{path.relative_to(ROOT)} is not in _toc.yml, so the book never builds or checks it"
        )


def test_api_page_documents_every_public_name():
    text = (ROOT / "book" / "api.md").read_text()
    documented = set(re.findall(r"\.\. auto(?:function|class|exception):: netequiv\.(?:\w+\.)?(\w+)", text))
    missing = sorted(set(netequiv.__all__) - {"__version__"} - documented)
    assert not missing, f"book/api.md does not document {missing}"


def test_bibliography_keys_are_unique():
    keys = re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), flags=re.M)
    assert len(keys) == len(set(keys)) and len(keys) > 10
