"""Headline numbers of notebooks/digits.ipynb, from its fast-mode run.

Fast mode trains the classifiers for 6 epochs on 4 renderings of each training digit (held-out
accuracy 83 % for A, 88 % for B, 82 % for M, against 95 / 97 / 92 % in full mode) and samples
500 images of the rotation curve and 1000 of the rotation x scale surface (full: 1000 and
2500).  Measured in fast mode (seed 0), the margins below leave room for other BLAS builds:

* curve, A / B logits: equivalent, 4.6e-3 / 5.6e-3 (self 1.8e-4 / 4.9e-2); three units each:
  equivalent, 2.5e-2 / 2.2e-2; the untrained network: equivalent, 1.8e-5 / 5.1e-5; B at
  |theta|: not equivalent, 6.5e-3 / 1.04; one rising-and-falling logit: not equivalent,
  1.6e-3 / 1.00; three digit classes: all equivalent, all folds rejected;
* surface, A / B logits: inconclusive, 0.038 / 0.107 (self 0.027 / 0.087, the ReLU network B
  cannot reproduce itself at 800 training images; full mode: equivalent, 0.038 / 0.045); five
  units each: inconclusive (B's self round trip 0.24); the untrained network: equivalent,
  0.022 / 0.028; B at |theta|: not equivalent, 0.052 / 0.81; the scale-blind M: not equivalent,
  0.029 / 0.97, rank 1;
* full-pixel Jacobians (600 images): coordinates of A and U 0.92 apart instead of 0.045;
* transfer of an angle probe A -> B through T^-1: R^2 0.99999 (retrained 0.9994, raw 0.69,
  chance -0.04); through the fold -0.07; the log-scale carried to M -0.006, the angle 0.999;
* SVCCA rates the not-equivalent single logit at 0.96, above the equivalent A / B pair (0.91).
"""

import pytest

NAME = "digits"

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group(NAME)]


@pytest.fixture(scope="module")
def res(notebook_results):
    return notebook_results(NAME)


def test_fast_mode_ran_with_fast_sizes(res):
    assert res["fast"] is True
    assert res["n_curve"] <= 500 and res["n_surface"] <= 1000


def test_classifiers_learned_and_the_untrained_one_did_not(res):
    nets = res["networks"]
    for name in ("A", "B", "M"):
        assert nets[name]["accuracy"] > 0.75, name
        assert nets[name]["accuracy_upright"] > 0.75, name
    assert nets["U"]["accuracy"] < 0.2
    assert nets["A"]["n_params"] == nets["U"]["n_params"]


def test_exact_tangents(res):
    assert res["tangent_error"] < 1e-7


def test_curve_logits_and_units_are_equivalent(res):
    c = res["curve"]
    ab = c["A / B"]
    assert ab["verdict"] == "equivalent"
    assert ab["forward"] < 0.02 and ab["backward"] < 0.02
    assert min(ab["chart_a"] + ab["chart_b"]) > 0.98  # each coordinate determines theta
    units = c["A / B, 3 units each"]
    assert units["verdict"] == "equivalent" and max(units["forward"], units["backward"]) < 0.05


def test_curve_controls(res):
    c = res["curve"]
    # the untrained network is equivalent on the curve: what equivalence on a manifold means
    assert c["A / U (untrained)"]["verdict"] == "equivalent"
    for name in ("A / B at |θ|", "A / one logit of B"):
        row = c[name]
        assert row["verdict"] == "not equivalent", name
        assert row["forward"] < 0.05, name  # the folded observation is a function of A's logits ...
        assert row["backward"] > 0.5, name  # ... and A's logits are not a function of it
        assert row["backward"] > 10 * max(row["self_a"], row["self_b"]), name
    assert c["A / B at |θ|"]["chart_b"][0] < 0.1  # its coordinate cannot tell theta from -theta


def test_digit_sweep(res):
    sweep = res["sweep"]
    assert len(sweep) == 3
    assert all(r["verdict"] == "equivalent" for r in sweep)
    assert all(r["fold_verdict"] == "not equivalent" and r["fold_backward"] > 0.5 for r in sweep)


def test_surface_is_marginal_for_the_relu_network_but_never_wrongly_rejected(res):
    s = res["surface"]
    ab, units = s["A / B"], s["A / B, 5 units each"]
    assert ab["verdict"] in ("equivalent", "inconclusive")
    assert units["verdict"] in ("equivalent", "inconclusive")
    assert ab["self_b"] > 2 * ab["self_a"]  # B, the ReLU network, is the weak side
    assert ab["forward"] < 0.05
    assert min(ab["chart_a"] + ab["chart_b"]) > 0.95


def test_surface_controls(res):
    s = res["surface"]
    u = s["A / U (untrained)"]
    assert u["verdict"] == "equivalent" and max(u["forward"], u["backward"]) < 0.05
    fold = s["A / B at |θ|"]
    assert fold["verdict"] == "not equivalent" and fold["backward"] > 0.5
    m = s["A / M (scale-blind)"]
    assert m["verdict"] == "not equivalent"
    assert m["rank_b"] == 1  # the Jacobian diagnostic sees the invariance
    assert m["forward"] < 0.05 and m["backward"] > 0.5
    assert m["chart_b"][1] < 0.1  # M's coordinate says nothing about the scale


def test_full_pixel_jacobians_lose_the_common_coordinates(res):
    fp = res["full_pixel"]
    tan, full = fp["tangents J T"], fp["full-pixel J"]
    assert tan["verdict"] == "equivalent"
    assert full["agreement_rms"] > 2 * tan["agreement_rms"]
    assert res["full_pixel_jacobian_s"]["full"] > res["full_pixel_jacobian_s"]["tangents"]


def test_transfer_through_the_inverse_map(res):
    tr = {r["readout"]: r for r in res["transfer"]}
    ab = tr["curve: A → B, θ (degrees)"]
    assert ab["carried"] > 0.99 and ab["retrained"] > 0.99
    assert ab["raw"] < 0.9 and abs(ab["chance"]) < 0.1
    assert tr["curve: A → B at |θ|, θ (degrees)"]["carried"] < 0.2  # forbidden by the verdict, and fails
    assert tr["surface: A → B, θ (degrees)"]["carried"] > 0.95
    assert tr["surface: A → B, λ = ln s"]["carried"] > 0.95
    assert tr["surface: A → M, θ (degrees)"]["carried"] > 0.95  # what M resolves survives ...
    assert tr["surface: A → M, λ = ln s"]["carried"] < 0.2  # ... what it does not, does not


def test_similarity_scores_mislead(res):
    c = res["curve"]
    # SVCCA rates a folding single logit (not equivalent) above the equivalent A / B pair
    assert c["A / one logit of B"]["svcca"] > c["A / B"]["svcca"]
    assert res["svcca_separates"] is False


def test_exercise_narrow_surface_ran(res):
    assert res["narrow_surface"]["verdict"] in ("equivalent", "inconclusive")
