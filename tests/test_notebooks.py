"""Every chapter notebook executes without error in fast mode (papermill, this environment).

The executed copies go to a temporary folder; the committed notebooks stay without
outputs.  Assertions on a chapter's numbers belong next to it, through the
``notebook_results`` fixture of ``conftest.py`` (the notebook then still runs only once).
"""

import nbformat
import pytest
from conftest import notebook_paths

NOTEBOOKS = [p.stem for p in notebook_paths()]
# notebooks whose result tests share one module run on one xdist worker (see test_chapter_results.py)
_GROUP = {"diffusion_maps": "diffusion_maps+mahalanobis", "mahalanobis": "diffusion_maps+mahalanobis"}
PARAMS = [pytest.param(n, marks=pytest.mark.xdist_group(_GROUP.get(n, n))) for n in NOTEBOOKS]


@pytest.mark.notebook
@pytest.mark.parametrize("name", PARAMS)
def test_notebook_runs(name, notebook_run):
    run = notebook_run(name)
    assert run.ok, run.failure_message()
    assert run.output.is_file()


IMAGE_TYPES = ("image/png", "image/svg+xml")


@pytest.mark.notebook
@pytest.mark.parametrize("name", PARAMS)
def test_figures_show_when_a_cell_runs(name, notebook_run):
    """What JupyterLab shows: every glued figure is also displayed by its cell (same kernel)."""
    run = notebook_run(name)
    assert run.ok, run.failure_message()
    nb = nbformat.read(run.output, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        n_glued = cell.source.count("glue_figure(")
        if "glue(" in cell.source and "display=False" in cell.source:
            assert "fig" not in cell.source.split("glue(")[1].split(",")[0], (
                f"cell {i} glues a figure without showing it; use glue_figure"
            )
        if not n_glued:
            continue
        images = sum(any(t in out.get("data", {}) for t in IMAGE_TYPES) for out in cell.outputs)
        assert images >= n_glued, f"{name} cell {i}: {n_glued} figures glued, {images} shown"
        assert "remove-output" in cell.metadata.get("tags", []), f"{name} cell {i} would show its figure twice"


# ----------------------------------------------------------------- whitney.ipynb


@pytest.mark.notebook
@pytest.mark.xdist_group("whitney")
def test_whitney_numbers(notebook_results):
    res = notebook_results("whitney")
    survey = res["circle"]
    # a closed curve on the line always folds back at least twice
    assert survey["min_folds_r1"] >= 2
    assert survey["embedded_fraction"]["1"] == 0.0
    # generic maps into R^3 embed the circle; into R^2 many cross themselves
    assert survey["embedded_fraction"]["3"] == 1.0
    assert survey["mean_count"]["2"] > 0.5
    # sin(2 pi x) attains almost every level twice and cannot be inverted; x^3 + x can
    assert res["sine"]["preimages_at_half"] == 2
    assert res["sine"]["x_from_sine_nrmse"] > 0.5
    assert res["sine"]["sine_from_x_nrmse"] < 0.05
    # Whitney's count: 2n + 1 = 3 generic neurons embed an interval, 5 a square; 1 never a square
    assert res["neurons"]["embedded_fraction"]["3"] >= res["neurons"]["embedded_fraction"]["1"]
    assert res["neurons"]["embedded_fraction"]["3"] >= 0.9
    assert res["square"]["embedded_fraction"]["1"] == 0.0
    assert res["square"]["embedded_fraction"]["5"] >= 0.9
    # first-layer tanh units (ridges with independent directions) still embed the square;
    # ReLU units lose rank where inactive and fold distant inputs together
    ng = res["non_generic"]
    assert ng["tanh_act1"]["embedded"] == 1.0 and ng["tanh_act1"]["deficient"] == 0.0
    assert ng["relu_act1"]["deficient"] > 0.05 and ng["relu_act1"]["nrmse"] > ng["tanh_act1"]["nrmse"]
    assert ng["relu_act3"]["constant"] > 0 and ng["relu_act3"]["false_nn"] > ng["tanh_act3"]["false_nn"]
    # the greedy search never needs more than Whitney's 2n + 1 = 3 units of [0, 1]
    assert 1 <= res["minimal"]["k_nonmonotone_units"] <= 3
