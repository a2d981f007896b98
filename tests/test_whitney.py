"""Whitney's embedding reasoning: self-intersections, preimages and embedding checks.

Every expectation is a known geometric fact (a closed curve in R^1 folds at least
twice, a trefoil shadow crosses itself three times, an even function cannot embed a
symmetric interval, ...), not a number copied from a previous run.
"""

import numpy as np
import pytest

import netequiv
from netequiv import embedding as e
from netequiv.chapters import whitney as w


def _angles(n):
    return np.linspace(0, 2 * np.pi, n, endpoint=False)


def figure_eight(n):
    t = _angles(n)
    return np.column_stack([np.sin(t), np.sin(2 * t)])


def trefoil_shadow(n):
    t = _angles(n)
    return np.column_stack([np.sin(t) + 2 * np.sin(2 * t), np.cos(t) - 2 * np.cos(2 * t)])


# ------------------------------------------------------------------ public surface


def test_lazy_exports_point_here():
    for name in ("choose_neurons", "embeds_manifold", "minimal_embedding_subset"):
        assert getattr(netequiv, name) is getattr(e, name)


# ------------------------------------------------------------------ random maps


def test_random_map_is_seeded_and_shaped():
    _, Z = w.circle(50)
    a = w.random_smooth_map(2, 3, random_state=7)(Z)
    b = w.random_smooth_map(2, 3, random_state=7)(Z)
    c = w.random_smooth_map(2, 3, random_state=8)(Z)
    assert a.shape == (50, 3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("kind", ["tanh", "fourier"])
def test_random_map_matches_its_formula(kind):
    f = w.RandomSmoothMap(2, 2, n_units=5, kind=kind, random_state=1)
    z = np.array([[0.3, -0.2]])
    sigma = np.tanh if kind == "tanh" else np.cos
    expected = f.coefficients_ @ sigma(f.weights_ @ z[0] + f.biases_) / np.sqrt(5)
    np.testing.assert_allclose(f(z)[0], expected, rtol=1e-14)


def test_random_map_errors():
    with pytest.raises(ValueError, match="kind must be"):
        w.RandomSmoothMap(2, 2, kind="relu")
    with pytest.raises(ValueError, match="out_dim must be an integer >= 1"):
        w.RandomSmoothMap(2, 0)
    with pytest.raises(ValueError, match="Z has 3 features but the map takes in_dim=2"):
        w.RandomSmoothMap(2, 2)(np.zeros((4, 3)))


# ------------------------------------------------------------------ self-intersections


def test_circle_into_r1_always_folds():
    t, Z = w.circle(400)
    assert w.count_self_intersections(np.cos(t)) == 2  # one maximum, one minimum
    for seed in range(20):
        folds = w.count_self_intersections(w.random_smooth_map(2, 1, random_state=seed)(Z))
        # a closed curve on the line turns back at least twice, alternately at maxima and minima
        assert folds >= 2 and folds % 2 == 0


def test_known_plane_curves():
    t, Z = w.circle(300)
    assert w.count_self_intersections(Z) == 0
    assert w.count_self_intersections(trefoil_shadow(300)) == 3
    # the crossing of the figure eight lies on sample points when n is even: found once
    for n in (200, 300, 301):
        pts = w.self_intersection_points(figure_eight(n))
        np.testing.assert_allclose(pts, [[0.0, 0.0]], atol=1e-12)


def test_count_does_not_depend_on_start_or_orientation():
    c = trefoil_shadow(257)
    for shift in (0, 1, 100):
        assert w.count_self_intersections(np.roll(c, shift, axis=0)) == 3
    assert w.count_self_intersections(c[::-1]) == 3


def test_open_curve_does_not_close_itself():
    # three quarters of a circle, open: no crossing; the closing chord is not an edge
    t = np.linspace(0, 1.5 * np.pi, 100)
    arc = np.column_stack([np.cos(t), np.sin(t)])
    assert w.count_self_intersections(arc, closed=False) == 0
    # a monotone sequence on the line has no folds when open
    assert w.count_self_intersections(np.linspace(0, 1, 10), closed=False) == 0


def test_generic_maps_into_r3_do_not_meet_themselves():
    _, Z = w.circle(300)
    for seed in range(20):
        curve = w.random_smooth_map(2, 3, random_state=seed)(Z)
        assert w.count_self_intersections(curve, tol=1e-4 * np.linalg.norm(np.ptp(curve, axis=0))) == 0
        assert w.min_self_distance(curve) > 1e-4


def test_near_contact_in_r3_has_the_right_distance():
    # figure eight lifted by z = eps*cos t: its two branches pass at distance 2*eps over the origin
    eps = 0.01
    t = _angles(400)
    curve = np.column_stack([np.sin(t), np.sin(2 * t), eps * np.cos(t)])
    assert w.count_self_intersections(curve, tol=2.5 * eps) == 1
    assert w.count_self_intersections(curve, tol=1.5 * eps) == 0
    np.testing.assert_allclose(w.self_intersection_points(curve, tol=2.5 * eps), [[0, 0, 0]], atol=1e-3)


def test_min_self_distance_of_a_circle_is_a_chord():
    n, min_arc = 1000, 0.1
    t, Z = w.circle(n)
    d = w.min_self_distance(Z, min_arc=min_arc)
    # the closest admissible pair is 100 (or, by round-off, 101) steps apart
    chords = [2 * np.sin(np.pi * k / n) / (2 * np.sqrt(2)) for k in (100, 101)]
    assert chords[0] - 1e-12 <= d <= chords[1] + 1e-12
    assert w.min_self_distance(figure_eight(1000)) < 2e-3


def test_survey_separates_dimensions():
    s = w.self_intersection_survey(dims=(1, 2, 3), n_maps=12, n_points=240, tol=1e-4)
    assert s["counts"].shape == (3, 12)
    assert s["counts"][0].min() >= 2  # R^1: always folds
    assert s["embedded_fraction"][0] == 0.0
    assert s["embedded_fraction"][2] == 1.0  # R^3: generically embedded
    assert s["mean_count"][1] > 0  # R^2: some random maps cross
    again = w.self_intersection_survey(dims=(3, 1), n_maps=12, n_points=240, tol=1e-4)
    np.testing.assert_array_equal(again["counts"], s["counts"][[2, 0]])  # order-free seeding


def test_self_intersection_errors():
    with pytest.raises(ValueError, match="at least 4 are needed"):
        w.count_self_intersections(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN or inf"):
        w.count_self_intersections(np.array([[0, 0], [1, np.nan], [1, 1], [0, 1.0]]))
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        w.count_self_intersections(np.random.default_rng(0).normal(size=(10, 3)), tol=-1)
    with pytest.raises(ValueError, match="min_arc must lie strictly between 0 and 0.5"):
        w.min_self_distance(w.circle(10)[1], min_arc=0.7)
    with pytest.raises(ValueError, match="dims must be a non-empty sequence"):
        w.self_intersection_survey(dims=())


# ------------------------------------------------------------------ preimages


def test_preimages_of_sine_and_of_a_monotone_function():
    x = np.linspace(0, 1, 1001)
    assert e.count_preimages(np.sin(2 * np.pi * x), [0.5, -0.5, 0.99, 2.0]).tolist() == [2, 2, 2, 0]
    assert e.count_preimages(x**3, np.linspace(0.01, 0.99, 25)).tolist() == [1] * 25
    with pytest.raises(ValueError, match="values must be 1-D"):
        e.count_preimages(np.zeros((5, 2)), [0.0])


def test_exact_hits_count_once():
    # levels that coincide with samples: a crossing through a sample, a touch, a plateau
    assert e.count_preimages([0.0, 1.0, 0.0, 1.0], [1.0, 0.5, 0.0]).tolist() == [2, 3, 2]
    assert e.count_preimages([0.0, 1.0, 1.0, 0.0], [1.0]).tolist() == [1]
    x = np.linspace(0, 1, 101)
    assert e.count_preimages(x, x[1:-1]).tolist() == [1] * 99


def test_folded_fraction_measures_the_ambiguous_range():
    x = np.linspace(0, 1, 2001)
    assert e.folded_fraction(x**2) == 0.0
    assert e.folded_fraction(np.sin(2 * np.pi * x)) == 1.0
    # sin(3 pi x / 2) rises from 0 to 1 and falls to -1: levels in (0, 1) are hit twice
    assert e.folded_fraction(np.sin(1.5 * np.pi * x)) == pytest.approx(0.5, abs=0.01)
    # a fold of depth 1e-3 at the end of a unit ramp leaves about 1e-3 of the range ambiguous
    y = np.where(x < 0.999, x, 2 * 0.999 - x)
    assert 0 < e.folded_fraction(y, n_levels=10000) < 2e-3
    assert e.folded_fraction(np.ones(10)) == 0.0


# ------------------------------------------------------------------ choosing neurons


def test_choose_neurons_default_is_whitney_count():
    assert len(e.choose_neurons(32)) == 3
    assert len(e.choose_neurons(32, n_intrinsic=2)) == 5
    u = e.choose_neurons(10, k=10, random_state=3)
    np.testing.assert_array_equal(u, np.arange(10))
    np.testing.assert_array_equal(e.choose_neurons(64, random_state=5), e.choose_neurons(64, random_state=5))


def test_choose_neurons_skips_constant_units():
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(50, 8))
    dead = [0, 2, 3, 5, 7]
    acts[:, dead] = 0.0  # dead ReLUs
    acts[:, 5] = 1.0  # saturated tanh
    for seed in range(10):
        u = e.choose_neurons(8, k=3, random_state=seed, activations=acts)
        np.testing.assert_array_equal(u, [1, 4, 6])
    with pytest.raises(ValueError, match="only 3 of the 8 units vary"):
        e.choose_neurons(8, k=4, activations=acts)


def test_choose_neurons_errors():
    with pytest.raises(ValueError, match="cannot choose k=5 units"):
        e.choose_neurons(4, k=5)
    with pytest.raises(ValueError, match="width must be an integer >= 1"):
        e.choose_neurons(0)
    with pytest.raises(ValueError, match="activations has 3 columns but width is 4"):
        e.choose_neurons(4, activations=np.ones((5, 3)))


# ------------------------------------------------------------------ embedding checks


@pytest.fixture(scope="module")
def interval():
    return np.linspace(-1, 1, 300)


def test_x_and_x_squared_embed_but_x_squared_alone_does_not(interval):
    x = interval
    ok, err = e.embeds_manifold(x, np.column_stack([x, x**2]))
    assert ok and err < 1e-3
    ok, err = e.embeds_manifold(x, x**2)  # x and -x share every value
    assert not ok and err > 0.5
    ok, err = e.embeds_manifold(x[x >= 0], x[x >= 0] ** 2)  # on [0, 1] the square is monotone
    assert ok


def test_folding_is_one_directional():
    x = np.linspace(0, 1, 300)
    y = np.sin(2 * np.pi * x)
    assert not e.embeds_manifold(x, y)[0]  # x cannot be read off sin(2 pi x) ...
    assert e.embeds_manifold(y, x)[0]  # ... but sin(2 pi x) is a function of x


def test_constant_features_carry_no_information(interval):
    x = interval
    ok, err = e.embeds_manifold(x, np.ones_like(x))
    assert not ok and 0.9 < err < 1.3  # predicting the training mean
    with_const = e.embeds_manifold(x, np.column_stack([x**3 + x, np.full_like(x, 4.0)]))
    without = e.embeds_manifold(x, x**3 + x)
    assert with_const[0] and without[0]
    assert with_const[1] == pytest.approx(without[1], rel=1e-2)  # same fit up to round-off


def test_embeds_manifold_is_reproducible(interval):
    x = interval
    assert e.embeds_manifold(x, np.cos(3 * x) + x) == e.embeds_manifold(x, np.cos(3 * x) + x)


def test_minimal_subset_finds_the_monotone_feature(interval):
    x = interval
    F = np.column_stack([x**2, x**3 + x / 2, np.cos(3 * x)])
    for strategy in ("greedy", "exhaustive"):
        res = e.minimal_embedding_subset(x, F, strategy=strategy)
        assert res["subset"] == [1] and res["k"] == 1 and res["embeds"]
        assert res["history"][1] == ([1], res["nrmse"])


def test_minimal_subset_needs_two_features_on_an_arc():
    x = np.linspace(-0.9, 0.9, 300)
    F = np.column_stack([x**2, np.cos(np.pi * x), np.sin(np.pi * x)])
    for strategy in ("greedy", "exhaustive"):
        res = e.minimal_embedding_subset(x, F, strategy=strategy)
        # no single feature is one-to-one; every one-to-one pair contains sin(pi x)
        assert res["k"] == 2 and 2 in res["subset"]


def test_even_features_never_embed_a_symmetric_interval(interval):
    x = interval
    F = np.column_stack([x**2, np.cos(3 * x), np.abs(x) ** 1.5])
    res = e.minimal_embedding_subset(x, F)
    assert res["k"] is None and not res["embeds"] and res["nrmse"] > 0.5
    assert len(res["history"]) == 3 + 2 + 1


def test_neuron_survey_counts_successes():
    x = np.linspace(0, 1, 200)
    acts = np.column_stack([np.sin(2 * np.pi * x), np.cos(2 * np.pi * x), np.zeros_like(x), x**2])
    s = w.neuron_embedding_survey(x, acts, ks=(1, 3), n_trials=4)
    assert s["nrmse"].shape == (2, 4)
    assert all(2 not in u for row in s["units"] for u in row)  # the dead unit is never chosen
    assert s["embedded_fraction"][1] == 1.0  # three units include x**2 (monotone) or both sin/cos


def test_embedding_errors(interval):
    x = interval
    with pytest.raises(ValueError, match="x has 300 samples but features has 299"):
        e.embeds_manifold(x, x[:-1])
    with pytest.raises(ValueError, match="at least 10 are needed"):
        e.embeds_manifold(x[:5], x[:5])
    with pytest.raises(ValueError, match="test_size must lie strictly between 0 and 1"):
        e.embeds_manifold(x, x, test_size=1.5)
    with pytest.raises(ValueError, match="strategy must be 'greedy' or 'exhaustive'"):
        e.minimal_embedding_subset(x, x, strategy="random")
    with pytest.raises(ValueError, match="exhaustive search over .* subsets is too large"):
        e.minimal_embedding_subset(x, np.tile(x[:, None], (1, 40)), strategy="exhaustive", max_k=4)


# ------------------------------------------------------------------ immersions


def test_rank_deficient_fraction_of_known_jacobians():
    x = np.linspace(-1, 1, 201)
    # x -> (x, x**2): J = (1, 2x) never vanishes
    J = np.stack([np.ones_like(x), 2 * x], axis=1)[:, :, None]
    assert e.rank_deficient_fraction(J) == 0.0
    # x -> x**3: flat only at x = 0, one sample of 201
    assert e.rank_deficient_fraction((3 * x**2)[:, None, None]) == pytest.approx(1 / 201)
    # two ReLU ridges of a 2-D input, active on x1 > 0 and x2 > 0: rank 2 only where both are
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(4000, 2))
    J = np.zeros((4000, 2, 2))
    J[:, 0, 0] = X[:, 0] > 0
    J[:, 1, 1] = X[:, 1] > 0
    expected = np.mean(~((X[:, 0] > 0) & (X[:, 1] > 0)))
    assert e.rank_deficient_fraction(J) == pytest.approx(expected)
    assert 0.7 < expected < 0.8  # three quadrants of four
    assert e.rank_deficient_fraction(np.zeros((5, 3, 1))) == 1.0
    with pytest.raises(ValueError, match=r"jacobians must have shape \(N, d, n\)"):
        e.rank_deficient_fraction(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="n_intrinsic=2 exceeds"):
        e.rank_deficient_fraction(np.ones((5, 3, 1)), 2)


def test_false_neighbors_flag_folds_not_embeddings():
    x = np.linspace(-1, 1, 401)
    assert e.false_neighbor_fraction(x, x**3 + x) == 0.0
    # x and -x share x**2: the mirror image is a false neighbour once 2|x| exceeds 10 grid
    # steps, i.e. for all but the 9 to 11 samples with |x| <= 5 steps (the last one by round-off)
    assert 1 - 11 / 401 <= e.false_neighbor_fraction(x, x**2) <= 1 - 9 / 401
    assert e.false_neighbor_fraction(x, np.ones_like(x)) == 1.0
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(800, 2))
    assert e.false_neighbor_fraction(X, np.column_stack([np.exp(X[:, 0]), X[:, 1] ** 3 + X[:, 1]])) == 0.0
    # on a grid, (x1**2, x2) maps (x1, x2) and (-x1, x2) to the same point: false for the
    # columns with |x1| beyond 5 grid steps (30 of 41, or 32 by round-off at the border)
    g = np.linspace(-1, 1, 41)
    G = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    folded = e.false_neighbor_fraction(G, np.column_stack([G[:, 0] ** 2, G[:, 1]]))
    assert 30 / 41 <= folded <= 32 / 41
    with pytest.raises(ValueError, match="factor must be a finite number > 0"):
        e.false_neighbor_fraction(x, x, factor=0)
