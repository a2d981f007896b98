"""netequiv.chapters.zoo: ground truth from the theory, the fast pairwise path, class recovery, scores.

The fast path is checked against :func:`netequiv.compare_observations` on analytic
observations (exact Jacobians, no training): same split, same numbers to rounding, same
verdicts.
"""

import numpy as np
import pytest

from netequiv.chapters import zoo
from netequiv.comparison import compare_observations

N = 300  # samples of the analytic observations (small: every comparison runs a search)


def _analytic(x):
    """Observations (y, jac) of the interval with known fold structure."""
    x = x[:, 0]
    s, c = np.sin(2 * np.pi * x), np.cos(2 * np.pi * x)
    ds = 2 * np.pi * c
    out = {
        "monotone": (np.tanh(3 * x - 1) + 0.5 * x, 3 / np.cosh(3 * x - 1) ** 2 + 0.5),
        "logistic": (1 / (1 + np.exp(-6 * (x - 0.5))), 1.5 / np.cosh(3 * (x - 0.5)) ** 2),
        "sine": (s, ds),
        "sine_cubed": (s**3 + 0.2 * s, (3 * s**2 + 0.2) * ds),
    }
    res = {k: (v[0][:, None], v[1][:, None, None]) for k, v in out.items()}
    # three "neurons" that embed the interval: a monotone ramp and two bends
    Y = np.column_stack([np.tanh(2 * x - 1), np.sin(2 * x), (x - 0.3) ** 2])
    J = np.column_stack([2 / np.cosh(2 * x - 1) ** 2, 2 * np.cos(2 * x), 2 * (x - 0.3)])[:, :, None]
    res["neurons"] = (Y, J)
    return res


@pytest.fixture(scope="module")
def analytic():
    x = np.random.default_rng(3).uniform(0, 1, N)[:, None]
    obs = _analytic(x)
    prep = {k: zoo.prepare_member(y, j, random_state=5) for k, (y, j) in obs.items()}
    return obs, prep


# --------------------------------------------------------------------------- ground truth


def test_function_ratio_known_relations():
    x = np.sort(np.random.default_rng(0).uniform(0, 1, 801))
    s, c = np.sin(2 * np.pi * x), np.cos(2 * np.pi * x)
    g = s**3 + 0.2 * s
    # g = h(s) with h' = 3 s^2 + 0.2 <= 3.2, in units of the two ranges (about 2.4 and 2)
    assert 2.5 < zoo.function_ratio(g, s) <= 3.2 * np.ptp(s) / np.ptp(g)
    assert zoo.function_ratio(s, g) <= np.ptp(g) / np.ptp(s) / 0.2  # h^-1 has slope <= 1/0.2
    # s is a function of x (slope 2 pi / 2 in scaled units), x is not a function of s
    assert zoo.function_ratio(s, x) == pytest.approx(np.pi, rel=1e-3)
    assert zoo.function_ratio(x, s) > 200
    # sin and cos fold differently: neither is a function of the other
    assert zoo.function_ratio(c, s) > 200 and zoo.function_ratio(s, c) > 200
    # exact zeros in the denominator with a different numerator: infinite
    assert zoo.function_ratio([0.0, 1.0, 2.0], [0.0, 1.0, 0.0]) == np.inf


def test_function_ratio_errors():
    with pytest.raises(ValueError, match="same grid"):
        zoo.function_ratio(np.arange(5.0), np.arange(6.0))
    with pytest.raises(ValueError, match="constant"):
        zoo.function_ratio(np.ones(5), np.arange(5.0))
    with pytest.raises(ValueError, match="NaN"):
        zoo.function_ratio([0.0, np.nan, 1.0], [0.0, 1.0, 2.0])


def test_ground_truth_of_the_full_zoo():
    gt = zoo.ground_truth(zoo.ZOO_SPECS)
    names = gt.names
    assert len(names) == 24 and gt.n_classes == 3
    lab = dict(zip(names, gt.labels))
    spec = zoo.ZOO_SPECS
    # every observation that embeds the interval is one class: monotone outputs and all neurons
    embed = {
        n for n in names if spec[n].observe == "neurons" or spec[n].target in ("monotone", "logistic", "staircase")
    }
    sine = {n for n in names if spec[n].observe == "output" and spec[n].target in ("sine", "sine_cubed")}
    cosine = {n for n in names if spec[n].observe == "output" and spec[n].target in ("cosine", "cosine_warped")}
    assert len(embed) == 15 and len(sine) == 5 and len(cosine) == 4
    for group in (embed, sine, cosine):
        assert len({lab[n] for n in group}) == 1
    assert len({lab[next(iter(g))] for g in (embed, sine, cosine)}) == 3
    # one-way: a folded output is a function of an embedding, not conversely
    i, j = names.index("monotone/out/a"), names.index("sine/out/a")
    assert gt.function_of[i, j] and not gt.function_of[j, i]
    assert gt.relation[i, j] == gt.relation[j, i] == "one-way"
    k = names.index("cosine/out/a")
    assert gt.relation[j, k] == "unrelated"
    assert gt.relation[j, names.index("sine_cubed/out/b")] == "equivalent"
    # the threshold sits in a wide gap
    assert gt.largest_function_ratio < 20 < 1000 < gt.smallest_nonfunction_ratio
    assert np.array_equal(gt.equivalent, gt.equivalent.T)
    iu = np.triu_indices(24, 1)
    counts = {r: int(np.sum(gt.relation[iu] == r)) for r in ("equivalent", "one-way", "unrelated")}
    assert counts == {"equivalent": 105 + 10 + 6, "one-way": 15 * 9, "unrelated": 5 * 4}


def test_fast_zoo_and_spec_checks():
    fast = zoo.zoo_specs(fast=True)
    assert set(fast) <= set(zoo.ZOO_SPECS) and len(fast) == 9
    assert zoo.ground_truth(fast).n_classes == 3
    bad = {"x": zoo.MemberSpec("tangent", (8,), "tanh", 0, "output", "zoo-x")}
    with pytest.raises(ValueError, match="unknown target"):
        zoo.train_zoo(bad)
    bad = {"x": zoo.MemberSpec("sine", (8,), "tanh", 0, "layer", "zoo-x")}
    with pytest.raises(ValueError, match="observe must be"):
        zoo.train_zoo(bad)
    with pytest.raises(ValueError, match="MemberSpec"):
        zoo.train_zoo({"x": 3})
    for name, t in zoo.ZOO_TARGETS.items():
        g = np.linspace(0, 1, 4001)
        d = np.diff(t(g))
        assert int(np.sum(np.sign(d[1:]) != np.sign(d[:-1]))) == t.turning_points, name


# --------------------------------------------------------------------------- fast path


def test_split_matches_compare_observations(analytic):
    obs, _ = analytic
    y, j = obs["monotone"]
    res = compare_observations(y, obs["logistic"][0], metric_a=j, metric_b=obs["logistic"][1], random_state=5)
    train, test, _ = zoo.split_indices(N, random_state=5)
    np.testing.assert_array_equal(train, res.train_index)
    np.testing.assert_array_equal(test, res.test_index)
    with pytest.raises(ValueError, match="test_size"):
        zoo.split_indices(N, test_size=1.0)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("monotone", "logistic", "equivalent"),  # two embeddings
        ("sine", "monotone", "not equivalent"),  # one-way: the fold
        ("sine", "sine_cubed", "equivalent"),  # identical folds
        ("neurons", "sine", "not equivalent"),  # one-way, the other way round
    ],
)
def test_fast_path_is_compare_observations(analytic, a, b, expected):
    obs, prep = analytic
    res = compare_observations(obs[a][0], obs[b][0], metric_a=obs[a][1], metric_b=obs[b][1], random_state=5)
    fwd, bwd = zoo.pair_scores(prep[a], prep[b]), zoo.pair_scores(prep[b], prep[a])
    assert fwd["max_nrmse"] == pytest.approx(res.forward_error["max_nrmse"], rel=1e-8, abs=1e-12)
    assert bwd["max_nrmse"] == pytest.approx(res.backward_error["max_nrmse"], rel=1e-8, abs=1e-12)
    assert fwd["relative"] == pytest.approx(res.forward_error["relative"], rel=1e-8, abs=1e-12)
    assert fwd["agreement_rms"] == pytest.approx(res.agreement_rms, rel=1e-8, abs=1e-12)
    np.testing.assert_allclose(prep[a]["coords_train"], res.coords_a.coords, rtol=0, atol=1e-12)
    assert zoo.pair_verdict(fwd, bwd, prep[a], prep[b]) == res.verdict
    strict = compare_observations(
        obs[a][0], obs[b][0], metric_a=obs[a][1], metric_b=obs[b][1], random_state=5, agreement_tol=0.1
    )
    assert zoo.pair_verdict(fwd, bwd, prep[a], prep[b], agreement_tol=0.1) == strict.verdict
    assert res.verdict == expected
    assert prep[a]["n_degenerate"] == res.n_degenerate_a
    # the member's self round trip is the comparison's
    assert prep[a]["diagnostics"]["self_error"]["max_nrmse"] == pytest.approx(
        res.self_error_a["max_nrmse"], rel=1e-8, abs=1e-12
    )


def test_pair_scores_baselines_and_mismatch(analytic):
    obs, prep = analytic
    r = zoo.pair_scores(prep["monotone"], prep["monotone"])
    assert r["max_nrmse"] < 1e-2
    assert r["linear_cka"] == pytest.approx(1.0) and r["procrustes"] == pytest.approx(0.0, abs=1e-6)
    assert set(zoo.SCORES) <= set(r)
    other = zoo.prepare_member(*obs["sine"], random_state=6)
    with pytest.raises(ValueError, match="different samples or seeds"):
        zoo.pair_scores(prep["monotone"], other)
    with pytest.raises(ValueError, match="jac must have shape"):
        zoo.prepare_member(obs["sine"][0], obs["neurons"][1])


# --------------------------------------------------------------------------- verdicts and classes


def test_verdict_matrix_rule(analytic):
    E = np.array([[np.nan, 0.01, 0.9], [0.02, np.nan, 0.01], [0.01, 0.03, np.nan]])
    A = np.array([[np.nan, 0.01, 0.01], [0.5, np.nan, 0.2], [0.01, 0.01, np.nan]])
    # the error-only rule: (0,1), (1,2) both directions below 0.05 -> equivalent; (0,2) fails
    V = zoo.verdict_matrix(E, rule="errors")
    eq, no = "equivalent", "not equivalent"
    assert V.tolist() == [[eq, eq, no], [eq, eq, eq], [no, eq, eq]]
    # with agreement_tol, (1,2) also needs agreement (1 as reference: 0.2) -> inconclusive
    V = zoo.verdict_matrix(E, None, A, agreement_tol=0.1, rule="errors")
    assert V[1, 2] == "inconclusive" and V[0, 1] == eq
    # the calibrated rule: (0,2) fails clearly and member 2 (monotone) resolves -> not equivalent;
    # with member 2 a fold that resolves nothing more, the same failure is inconclusive
    _, prep = analytic
    members = [prep["logistic"], prep["neurons"], prep["monotone"]]
    assert zoo.verdict_matrix(E, members)[0, 2] == no
    bad = dict(prep["monotone"], diagnostics={**prep["monotone"]["diagnostics"], "near_singular": 0.5})
    assert zoo.verdict_matrix(E, [prep["logistic"], prep["neurons"], bad])[0, 2] == "inconclusive"
    E[0, 1] = np.nan  # a failed pair is never equivalent
    assert zoo.verdict_matrix(E, members)[0, 1] == "inconclusive"
    assert zoo.verdict_matrix(E, rule="errors")[0, 1] == no
    with pytest.raises(ValueError, match="square"):
        zoo.verdict_matrix(E[:2], rule="errors")
    with pytest.raises(ValueError, match="tol"):
        zoo.verdict_matrix(E, rule="errors", tol=0)
    with pytest.raises(ValueError, match="needs agreement_rms"):
        zoo.verdict_matrix(E, rule="errors", agreement_tol=0.1)
    with pytest.raises(ValueError, match="prepared must hold"):
        zoo.verdict_matrix(E)


def test_classes_and_confusions():
    V = np.eye(5, dtype=bool)
    for i, j in ((0, 1), (1, 2), (3, 4)):
        V[i, j] = V[j, i] = True
    lab = zoo.recover_classes(V)  # 0-1-2 chained: one component although (0, 2) is not an edge
    assert lab.tolist() == [0, 0, 0, 1, 1]
    assert zoo.same_partition(lab, [7, 7, 7, 2, 2]) and not zoo.same_partition(lab, [0, 0, 1, 1, 1])
    assert zoo.class_confusion([0, 0, 0, 1, 1], [0, 0, 1, 1, 1]).tolist() == [[2, 1], [0, 2]]
    T = lab[:, None] == lab[None, :]
    pc = zoo.pair_confusion(T, V)
    assert pc == {
        "tp": 3,
        "fn": 1,
        "fp": 0,
        "tn": 6,
        "n_pairs": 10,
        "false_positive_rate": 0.0,
        "false_negative_rate": 0.25,
        "inconclusive": 0,
        "inconclusive_equivalent": 0,
        "inconclusive_not_equivalent": 0,
    }
    # strings: an inconclusive pair is neither a hit nor a miss, and classes use "equivalent" only
    S = np.where(V, "equivalent", "not equivalent")
    S[0, 2] = S[2, 0] = "inconclusive"  # truly equivalent (0-1-2 class)
    S[3, 0] = S[0, 3] = "inconclusive"  # truly not equivalent
    ps = zoo.pair_confusion(T, S)
    assert (ps["tp"], ps["fn"], ps["fp"], ps["tn"], ps["inconclusive"]) == (3, 0, 0, 5, 2)
    assert ps["inconclusive_equivalent"] == 1 and ps["inconclusive_not_equivalent"] == 1
    assert zoo.recover_classes(S).tolist() == lab.tolist()
    W = V.copy()
    W[0, 4] = W[4, 0] = True
    assert zoo.pair_confusion(T, W)["false_positive_rate"] == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="symmetric"):
        zoo.recover_classes(np.triu(V))
    with pytest.raises(ValueError, match="boolean"):
        zoo.recover_classes(V.astype(int))


def test_scores_separation_and_misleading_cases():
    gt = zoo.ground_truth({k: zoo.ZOO_SPECS[k] for k in ("monotone/out/a", "logistic/out/a", "sine/out/a")})
    assert gt.labels.tolist() == [0, 0, 1]
    M = np.array([[np.nan, 0.5, 0.9], [0.6, np.nan, 0.2], [0.8, 0.1, np.nan]])
    S = zoo.symmetric_score(M, "linear_cka")
    assert S[0, 1] == S[1, 0] == 0.5 and S[0, 2] == 0.8 and np.isnan(S[0, 0])
    D = zoo.symmetric_score(M, "procrustes")  # a distance: negated, the larger distance counts
    assert D[0, 1] == -0.6
    sep = zoo.score_separation(S, gt.equivalent)
    # the equivalent pair (0.5) scores below one non-equivalent pair (0.8) and above the other (0.1)
    assert sep["auc"] == 0.5 and sep["overlap"] == 1 and sep["best_errors"] == 1
    assert zoo.score_separation(-S + 2 * gt.equivalent, gt.equivalent)["auc"] == 1.0
    cases = zoo.misleading_cases({"linear_cka": S}, gt, n_cases=1)
    high = [c for c in cases if c["kind"] == "high, not equivalent"]
    assert high[0]["a"] == "monotone/out/a" and high[0]["b"] == "sine/out/a"
    assert high[0]["relation"] == "one-way" and high[0]["value"] == 0.8 and high[0]["rank"] == 1.0
    low = [c for c in cases if c["kind"] == "low, equivalent"]
    assert (low[0]["a"], low[0]["b"], low[0]["value"]) == ("monotone/out/a", "logistic/out/a", 0.5)
    with pytest.raises(ValueError, match="unknown score"):
        zoo.symmetric_score(M, "cca")


@pytest.mark.slow
def test_evaluate_zoo_on_dask_reports_a_failing_pair(analytic):
    """Three good members and one prepared on other samples: its pairs fail, are retried, reported."""
    obs, prep = analytic
    good = [prep[k] for k in ("monotone", "logistic", "sine")]
    broken = zoo.prepare_member(obs["sine"][0][:200], obs["sine"][1][:200], random_state=5)
    client = zoo.open_client(n_workers=2)
    try:
        rows = zoo.evaluate_zoo(good + [broken], pairs=[(0, 1), (1, 0), (0, 2), (3, 0)], client=client, progress=False)
    finally:
        client.close()
    by = {(r["i"], r["j"]): r for r in rows}
    assert [(r["i"], r["j"]) for r in rows] == [(0, 1), (0, 2), (1, 0), (3, 0)]
    assert by[(3, 0)]["attempts"] == 2 and "different samples" in by[(3, 0)]["error"]
    mats = zoo.score_matrices(rows, 4)
    assert np.isnan(mats["max_nrmse"][3, 0]) and mats["max_nrmse"][0, 1] < 1e-2
    assert mats["max_nrmse"][0, 2] < 1e-2  # sine is a function of the monotone output
    # the dask result equals the in-process computation
    assert mats["max_nrmse"][1, 0] == pytest.approx(zoo.pair_scores(good[1], good[0])["max_nrmse"], rel=1e-12)
