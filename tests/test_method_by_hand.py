"""The method by hand (notebooks/method_by_hand.ipynb) equals ``netequiv.compare``.

The chapter rebuilds ``compare`` from the package's public steps on two networks with a
known answer (two injective maps of the unit square) and writes the largest differences
to its results JSON; these tests read them.
"""

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("method_by_hand")]

TOLERANCE = 1e-10


@pytest.fixture(scope="module")
def res(notebook_results):
    return notebook_results("method_by_hand")


def test_by_hand_equals_compare(res):
    diffs = res["differences"]
    for key in (
        "errors of T (A -> B)",
        "errors of T^-1 (B -> A)",
        "per-feature NRMSE, both ways",
        "self errors",
        "coordinates (training)",
        "coordinates (held out)",
        "predictions of T and T^-1",
    ):
        assert diffs[key] <= TOLERANCE, (key, diffs[key])
    assert all(res["identical"].values()), res["identical"]
    assert res["by_hand"]["verdict"] == res["reference"]["verdict"]
    assert res["by_hand"]["reason"] == res["reference"]["reason"]


def test_the_pair_is_equivalent(res):
    # two one-to-one maps of the square: the known answer, with errors well below tol = 0.05
    assert res["by_hand"]["verdict"] == "equivalent"
    errors = res["errors"]
    assert max(errors.values()) < 0.03
    # each cross direction is within a factor 2 of the self round trips
    assert errors["A -> B"] < 2 * max(errors["A -> A"], errors["B -> B"])
    assert errors["B -> A"] < 2 * max(errors["A -> A"], errors["B -> B"])


def test_dense_kernel_matches_the_package(res):
    check = res["kernel_check"]
    assert check["epsilon (relative)"] < 1e-12
    assert check["kernel pairs (difference)"] == 0
    assert check["stationary distribution"] < 1e-14
    assert check["eigenvalues"] < 1e-10
    assert check["eigenvectors"] < 1e-8
    assert check["trivial eigenvector"] < 1e-10


def test_steps_are_consistent(res):
    # automatic Jacobians = analytic ones; Nystrom on the training samples = the eigenvectors
    assert res["jacobian_error"] < 1e-12
    assert res["nystrom_train"] < 1e-8
    assert len(res["selected"]["A"]) == len(res["selected"]["B"]) == 2


def test_exercise_solutions_check_out(res):
    dist = res["exercise_distance"]
    for side in ("A", "B"):
        assert dist[side]["relative difference"] < 1e-12
        # observation independent: d^2 in observation space ~ squared input distance
        assert abs(dist[side]["d2 / |x_i - x_j|^2"] - 1) < 0.05
    assert 0 <= dist["B"]["share of the normal penalty"] < 1e-3
    alpha = res["exercise_alpha"]
    for a in ("1.0", "0.0"):
        assert alpha[a]["stationary"] < 1e-14
        assert alpha[a]["eigenvalues"] < 1e-10
    # alpha = 1 removes the density: psi_1 follows cos(pi x) better than without it
    assert alpha["1.0"]["|corr(psi_1, cos pi x)|"] > 0.999
    assert alpha["1.0"]["|corr(psi_1, cos pi x)|"] > alpha["0.0"]["|corr(psi_1, cos pi x)|"]
