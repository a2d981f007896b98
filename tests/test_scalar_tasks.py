"""scalar_tasks: targets, diagnostics of observed features on an interval, table helpers."""

import numpy as np
import pytest

from netequiv.chapters import exp_a_scalar as st
from netequiv.chapters.nets import mlp


def test_targets_and_derivatives_agree_with_finite_differences():
    x = np.linspace(0.01, 0.99, 97)
    for name, f in st.TARGETS.items():
        fd = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
        np.testing.assert_allclose(f.derivative(x), fd, rtol=1e-6, atol=1e-6, err_msg=name)
        # the monotone flag is true: f' never changes sign on the interval
        d = f.derivative(np.linspace(0, 1, 2001))
        assert (np.all(d > 0) or np.all(d < 0)) == f.monotone, name


def test_scalar_data_is_seeded_sorted_and_checked():
    x1, y1 = st.scalar_data("sine", 50, random_state=3)
    x2, y2 = st.scalar_data("sine", 50, random_state=3)
    np.testing.assert_array_equal(x1, x2)
    assert x1.shape == (50, 1) and np.all(np.diff(x1[:, 0]) >= 0)
    np.testing.assert_allclose(y1[:, 0], np.sin(2 * np.pi * x1[:, 0]))
    with pytest.raises(ValueError, match="unknown target"):
        st.scalar_data("cosine", 10)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        st.scalar_data("sine", 1)


def test_unit_profile_counts_turning_points_and_flat_stretches():
    x = np.linspace(0, 1, 401)
    h = np.column_stack([x, np.sin(2 * np.pi * x), np.tanh(20 * (x - 0.5))])
    dh = np.column_stack([np.ones_like(x), 2 * np.pi * np.cos(2 * np.pi * x), 20 / np.cosh(20 * (x - 0.5)) ** 2])
    prof = st.unit_profile(x[::-1], h[::-1], dh[::-1, :, None])  # any order of samples
    assert prof["turning_points"].tolist() == [0, 2, 0]
    assert prof["monotone"].tolist() == [True, False, True]
    assert prof["flat_fraction"][0] == 0.0
    # the steep tanh is flat (|h'| < 5% of its range per unit x) outside |x - 1/2| < ~0.13
    assert 0.6 < prof["flat_fraction"][2] < 0.9
    with pytest.raises(ValueError, match="jacobians must have shape"):
        st.unit_profile(x, h, dh[:, :2])
    with pytest.raises(ValueError, match="one input coordinate"):
        st.unit_profile(np.column_stack([x, x]), h, dh)


def test_fold_gap_in_metric_units():
    x = np.linspace(0, 1, 401)
    # an injective linear observation: the closest pair 0.1 apart is 0.1 away, whatever the scale
    assert st.fold_gap(x, 5 * x[:, None], np.full((401, 1), 5.0)) == pytest.approx(0.1, abs=3e-3)
    # a fold: x and 1/2 - x share sin(2 pi x)
    s, ds = np.sin(2 * np.pi * x)[:, None], (2 * np.pi * np.cos(2 * np.pi * x))[:, None]
    assert st.fold_gap(x, s, ds) < 1e-3
    # a half circle embeds: a second coordinate lifts the fold of sin(pi x) at x = 1/2;
    # points 0.1 apart are a chord 2 sin(0.05 pi) apart, the speed is pi
    arc = np.column_stack([np.sin(np.pi * x), np.cos(np.pi * x)])
    darc = np.pi * np.column_stack([np.cos(np.pi * x), -np.sin(np.pi * x)])
    assert st.fold_gap(x, arc, darc) == pytest.approx(2 * np.sin(0.05 * np.pi) / np.pi, rel=1e-2)
    assert st.fold_gap(x, arc[:, :1], darc[:, :1]) < 1e-3
    with pytest.raises(ValueError, match="min_separation must lie strictly between 0 and 1"):
        st.fold_gap(x, s, min_separation=1.5)
    with pytest.raises(ValueError, match="features are constant"):
        st.fold_gap(x, np.ones((401, 1)))


def test_min_relative_speed():
    x = np.linspace(0, 1, 101)
    assert st.min_relative_speed(np.full((101, 1), 2.0)) == 1.0
    assert st.min_relative_speed((2 * np.pi * np.cos(2 * np.pi * x))[:, None]) < 0.05
    with pytest.raises(ValueError, match="do not depend on x"):
        st.min_relative_speed(np.zeros((10, 2)))


def test_subset_fold_gaps_screens_folded_units():
    x = np.linspace(0, 1, 300)
    acts = np.column_stack([np.sin(2 * np.pi * x), x, np.sin(2 * np.pi * x) + 1e-3 * x])
    jacs = np.column_stack(
        [2 * np.pi * np.cos(2 * np.pi * x), np.ones_like(x), 2 * np.pi * np.cos(2 * np.pi * x) + 1e-3]
    )
    gaps = st.subset_fold_gaps(x, acts, jacs, 1, n_subsets=6)
    # single units: x embeds (gap ~0.1), the two sines fold (gap ~0)
    assert set(np.round(gaps, 2)) <= {0.0, 0.1} and (gaps < 1e-2).any() and (gaps > 0.09).any()
    # the two nearly identical sines together still (almost) fold: a near contact
    assert st.fold_gap(x, acts[:, [0, 2]], jacs[:, [0, 2]]) < 0.01
    with pytest.raises(ValueError, match="jacobians must have shape"):
        st.subset_fold_gaps(x, acts, jacs[:, :2], 1)


def test_neuron_sweep_on_a_tiny_pair():
    # untrained smooth networks: the sweep must run, be reproducible and report consistent rows
    net_a = mlp(1, 1, hidden=(8, 8), activation="tanh", seed=0)
    net_b = mlp(1, 1, hidden=(8,), activation="silu", seed=1)
    x = np.linspace(0, 1, 240)[:, None]
    kw = dict(layer_a="act1", observe_b={"layers": ["act1"], "output": True}, ks=(1, 3), n_trials=1, progress=False)
    s1 = st.neuron_sweep(net_a, net_b, x, **kw)
    s2 = st.neuron_sweep(net_a, net_b, x, **kw)
    assert s1["k"] == [1, 3] and [len(u) for u in s1["units"]] == [1, 3]
    assert s1["forward_median"] == s2["forward_median"]
    # first-layer units of a scalar input are ridge functions of x, hence monotone
    assert s1["profile"]["monotone"].all()
    for eq, reason in zip(s1["equivalent"], s1["reason"]):
        assert (reason == "embeds") == eq
    with pytest.raises(ValueError, match="ks must be a non-empty sequence"):
        st.neuron_sweep(net_a, net_b, x, layer_a="act1", ks=(0,), progress=False)


def test_neuron_sweep_draws_from_a_pool_of_several_layers():
    net_a = mlp(1, 1, hidden=(8, 8), activation="tanh", seed=0)
    net_b = mlp(1, 1, hidden=(8,), activation="silu", seed=1)
    x = np.linspace(0, 1, 240)[:, None]
    pool = [3, 9, 12, 15]  # units of act1 (0-7) and act2 (8-15), numbered as observed
    kw = dict(observe_b={"layers": ["act1"], "output": True}, ks=(2, 3), n_trials=2, progress=False)
    s = st.neuron_sweep(net_a, net_b, x, layer_a=["act1", "act2"], units=pool, **kw)
    assert all(set(u) <= set(pool) for u in s["units"])
    assert s["names"][8] == "act2[0]" and len(s["profile"]["monotone"]) == 16
    # without a pool, a single layer gives the same draws as before the pool existed
    one = st.neuron_sweep(net_a, net_b, x, layer_a="act1", **kw)
    assert one["units"] == st.neuron_sweep(net_a, net_b, x, layer_a="act1", units=range(8), **kw)["units"]
    for bad in ([], [3, 3], [16], [-1], [0.5]):
        with pytest.raises(ValueError, match="units must be distinct indices"):
            st.neuron_sweep(net_a, net_b, x, layer_a=["act1", "act2"], units=bad, **kw)


def test_share_words():
    assert [st.share_words(f) for f in (0, 0.2, 0.5, 0.8, 1)] == ["none", "a minority", "half", "most", "all"]
    with pytest.raises(ValueError, match=r"fraction must lie in \[0, 1\]"):
        st.share_words(1.5)


def test_markdown_table_and_comparison_row():
    text = st.markdown_table([{"a": "x", "b": 0.5, "c": True}], {"a": "A", "b": "B", "c": "C"})
    assert text.splitlines() == ["| A | B | C |", "|---|---|---|", "| x | 5.0e\u221201 | True |"]
    with pytest.raises(ValueError, match="has no key"):
        st.markdown_table([{"a": 1}], {"b": "B"})
    with pytest.raises(ValueError, match="non-empty list of dicts"):
        st.markdown_table([], {"b": "B"})
    with pytest.raises(ValueError, match="must be a Comparison"):
        st.comparison_row("p", "o", "o", {"equivalent": True}, "claim")


def test_train_scalar_nets_rejects_bad_specs():
    with pytest.raises(ValueError, match="specs must map names to NetSpec"):
        st.train_scalar_nets({"A": ("sine", (8,), "tanh", 0)})
    assert st.NET_SPECS["A_sine"].label == "tanh 3x32"
    assert st.NET_SPECS["B_sine"].label == "silu 2x64"
