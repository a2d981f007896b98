"""Numbers of the chapter notebooks/zoo.ipynb (fast mode): class recovery and no false positives.

The fast zoo has 9 members in 3 ground-truth classes (embeddings of the interval, outputs that
fold like sin 2 pi x, outputs that fold like the cosine).  The verdicts must recover these
classes exactly, with no non-equivalent pair judged equivalent.
"""

import pytest

# one xdist worker runs every test of this notebook, so it executes once (make test: -n 2)
pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("zoo")]

NAME = "zoo"


@pytest.fixture(scope="module")
def res(notebook_results):
    return notebook_results(NAME)


def test_zoo_and_ground_truth(res):
    assert len(res["members"]) == 9
    for name, row in res["members"].items():
        assert row["test"] < 2e-2, name
    gt = res["ground_truth"]
    assert gt["n_classes"] == 3
    assert gt["relations"] == {"equivalent": 10, "one-way": 20, "unrelated": 6}
    # the Lipschitz threshold (100) sits in a wide gap between functions and non-functions
    assert gt["largest_function_ratio"] < 20 and gt["smallest_nonfunction_ratio"] > 1e4


def test_fast_path_equals_compare_observations(res):
    chk = res["fast_path_check"]
    assert chk["same_verdicts"] is True
    assert chk["max_abs_difference"] < 1e-9


def test_all_pairs_ran_on_dask_and_failures_are_reported(res):
    assert res["pairs"]["n_pairs"] == 9 * 8
    assert res["pairs"]["n_failed"] == 0
    # the broken member's pair is retried once and reported; the good pair is unaffected
    assert res["failure_demo"] == [{"attempts": 1, "failed": False}, {"attempts": 2, "failed": True}]


def test_classes_recovered_without_false_positives(res):
    cl = res["classes"]
    assert cl["recovered"] is True
    assert cl["fp"] == 0 and cl["false_positive_rate"] == 0.0
    assert cl["fn"] == 0 and cl["tp"] == 10
    # functions are reproduced well, non-functions fail by a wide margin
    assert res["errors"]["largest_function_error"] < 0.05 <= res["errors"]["smallest_nonfunction_error"]


def test_baselines_mislead_where_the_method_does_not(res):
    sep = res["separation"]
    assert sep["max_nrmse"]["auc"] == 1.0 and sep["max_nrmse"]["best_errors"] == 0
    # linear scores cannot separate equivalent from non-equivalent pairs on this zoo
    for score in ("linear_cka", "svcca", "procrustes"):
        assert sep[score]["auc"] < 1.0 and sep[score]["best_errors"] >= 1, score
    high = [c for c in res["misleading"] if c["kind"] == "high, not equivalent" and c["score"] == "linear CKA"]
    assert high and high[0]["relation"] in ("one-way", "unrelated") and high[0]["raw"] > 0.5
