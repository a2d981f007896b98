"""Every chapter notebook executes without error in fast mode (papermill, this environment).

The executed copies go to a temporary folder; the committed notebooks stay without
outputs.  Assertions on a chapter's numbers belong next to it, through the
``notebook_results`` fixture of ``conftest.py`` (the notebook then still runs only once).
"""

import pytest

from conftest import notebook_paths

NOTEBOOKS = [p.stem for p in notebook_paths()]


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, notebook_run):
    run = notebook_run(name)
    assert run.ok, run.failure_message()
    assert run.output.is_file()


# ----------------------------------------------------------------- whitney.ipynb


@pytest.mark.notebook
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
    # Whitney's count: 2n + 1 = 3 generic neurons embed an interval
    assert res["neurons"]["embedded_fraction"]["3"] >= res["neurons"]["embedded_fraction"]["1"]
    assert res["neurons"]["embedded_fraction"]["3"] >= 0.9
