r"""The pairs of the book's chapters and their verdicts, recomputed for one overview.

The chapter *Verdicts across the book* sets every pair that the chapters compare on one
figure: the held-out cross errors :math:`e_{A\to B}`, :math:`e_{B\to A}` against the
pair's self floor :math:`s = \max(s_A, s_B)`, coloured by the verdict of
:func:`netequiv.comparison.decide`.  The functions here recompute those pairs with the
chapters' own helpers and settings (fast or full), so that the networks come from the
same cache (``.cache/``) and nothing is retrained when the chapters ran first:

* :func:`scalar_pairs`: the closing table of *Experiments (a)*;
* :func:`two_input_pairs`: the vector fields (Mahalanobis and Euclidean kernels), the
  scalar output alone and five units of *Experiments (b)*;
* :func:`horse_pairs`: autoencoders A / B and the one-number code of *Experiments (c)*;
* :func:`zoo_pairs`: every pair of members of the zoo.

Each pair is one row (:func:`comparison_row`): chapter, pair, both cross errors, both
self errors, the threshold :math:`\tau`, the verdict, the truth the chapter states, and
each side's diagnostics (the fields of :class:`netequiv.comparison.SideDiagnostics`), from
which :func:`redecide` recomputes the verdict.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

__all__ = [
    "CHAPTERS",
    "comparison_row",
    "extreme_ratios",
    "horse_pairs",
    "redecide",
    "scalar_pairs",
    "two_input_pairs",
    "verdict_counts",
    "zoo_pairs",
]

#: chapter key -> title used in the table and the figure
CHAPTERS = {
    "exp_a_scalar": "(a) scalar",
    "exp_b_two_inputs": "(b) two inputs",
    "exp_c_horse": "(c) horse",
    "zoo": "zoo",
}


def _max(e: dict) -> float:
    v = e.get("max_nrmse", float("nan"))
    return float("nan") if v is None else float(v)


def _row(chapter, pair, fwd, bwd, side_a: dict, side_b: dict, threshold, verdict, truth) -> dict:
    sa, sb = _max(side_a["self_error"]), _max(side_b["self_error"])
    return {
        "chapter": chapter,
        "pair": pair,
        "forward": float(fwd),
        "backward": float(bwd),
        "self_a": sa,
        "self_b": sb,
        "floor": max(sa, sb),
        "threshold": float(threshold),
        "verdict": str(verdict),
        "truth": truth,
        "side_a": side_a,
        "side_b": side_b,
    }


def comparison_row(chapter: str, pair: str, res, truth: str) -> dict:
    """One row of the overview from a :class:`netequiv.Comparison`.

    Parameters
    ----------
    chapter : str
        Key of :data:`CHAPTERS`.
    pair : str
        The pair as the chapter names it.
    res : Comparison
        Result of :func:`netequiv.compare` or :func:`netequiv.compare_observations`.
    truth : {"equivalent", "not equivalent"}
        What the chapter establishes independently of the method.

    Returns
    -------
    dict
        ``chapter``, ``pair``, ``forward`` / ``backward`` (largest held-out NRMSE of
        :math:`T` and :math:`T^{-1}`), ``self_a`` / ``self_b`` (largest self round-trip
        NRMSE), ``floor`` (their maximum), ``threshold``, ``verdict``, ``truth`` and the
        two sides' diagnostics ``side_a`` / ``side_b`` (plain dicts).
    """
    return _row(
        chapter,
        pair,
        _max(res.forward_error),
        _max(res.backward_error),
        asdict(res.diagnostics_a),
        asdict(res.diagnostics_b),
        res.threshold,
        res.verdict,
        truth,
    )


def redecide(row: dict) -> str:
    """The verdict of :func:`netequiv.comparison.decide` recomputed from a row's numbers."""
    from ..comparison import SideDiagnostics, decide

    sides = [SideDiagnostics(**{**row[k], "name": n}) for k, n in (("side_a", "A"), ("side_b", "B"))]
    verdict, _ = decide(
        {"max_nrmse": row["forward"]}, {"max_nrmse": row["backward"]}, *sides, error_floor=row["threshold"]
    )
    return verdict


# --------------------------------------------------------------------------- the chapters


def scalar_pairs(fast: bool, seed: int = 0) -> list:
    """The seven comparisons of the closing table of *Experiments (a)* (its settings)."""
    from ..comparison import compare
    from ..embedding import choose_neurons
    from ..observation import observe
    from . import exp_a_scalar as st

    n_samples, epochs, polish_iter = (500, 400, 100) if fast else (1200, 1500, 300)
    nets = st.train_scalar_nets(epochs=epochs, polish_iter=polish_iter, random_state=seed, progress=False)
    m = {k: v.model for k, v in nets.items()}
    x = np.random.default_rng(seed + 7).uniform(0, 1, n_samples)[:, None]
    layer_b = {"layers": ["act2"], "output": True}
    acts = observe(m["A_sine"], x, layers=["act2"], output=False).y
    units = choose_neurons(32, 3, n_intrinsic=1, random_state=seed, activations=acts)
    units_a = {"layers": {"act2": units.tolist()}, "output": False}
    plan = {  # key of CLOSING_TABLE -> (A, B, keywords, truth)
        "monotone": ("A_monotone", "B_monotone", {}, "equivalent"),
        "fold": ("A_sine", "B_monotone", {}, "not equivalent"),
        "same_fold": ("A_sine", "B_sine", {}, "equivalent"),
        "output_vs_layer": ("A_sine", "B_sine", {"observe_b": layer_b}, "not equivalent"),
        "whitney": ("A_sine", "B_sine", {"observe_a": units_a, "observe_b": layer_b}, "equivalent"),
        "different_monotone": ("A_monotone", "C_logistic", {}, "equivalent"),
        "different_folds": ("A_sine", "D_bump", {}, "not equivalent"),
    }
    rows = []
    for key, (a, b, kw, truth) in plan.items():
        res = compare(m[a], m[b], x, random_state=seed, **kw)
        pair, obs_a, obs_b, _ = st.CLOSING_TABLE[key]
        label = f"{pair} ({obs_a.format(units=units.tolist())} / {obs_b})"
        rows.append(comparison_row("exp_a_scalar", label, res, truth))
    return rows


def two_input_pairs(fast: bool, seed: int = 0) -> list:
    """The four comparisons of the closing table of *Experiments (b)* (its settings)."""
    from ..comparison import compare, compare_observations
    from ..embedding import choose_neurons
    from ..observation import observe
    from . import exp_b_two_inputs as ft

    n_samples, n_sweep, n_train = (800, 600, 800) if fast else (2000, 1000, 2000)
    epochs, polish_iter, eps = (400, 150, 10) if fast else (1000, 200, 20)
    fit_kw = dict(n_train=n_train, epochs=epochs, polish_iter=polish_iter, random_state=seed, progress=False)
    fields, scalar = ft.fit_field_pair(**fit_kw), ft.fit_scalar_pair(**fit_kw)
    dk = {"n_neighbors_epsilon": eps}
    x = ft.sample_square(n_samples, random_state=seed + 1)
    res = {
        "fields (outputs, Mahalanobis)": compare(fields.net_a, fields.net_b, x, random_state=seed, dmap_kwargs=dk),
        "fields (outputs, Euclidean kernel)": compare(
            fields.net_a, fields.net_b, x, metric="euclidean", random_state=seed, dmap_kwargs=dk
        ),
    }
    x_s = ft.sample_square(n_sweep, random_state=seed + 2)
    state = observe(scalar.net_b, x_s, layers=[scalar.last_hidden_b], jacobian=True)
    out_a = observe(scalar.net_a, x_s, jacobian=True)
    common = dict(metric_b=state.jac, n_intrinsic=2, random_state=seed)
    res["scalar A output alone / B state"] = compare_observations(out_a.y, state.y, metric_a=out_a.jac, x=x_s, **common)
    acts = observe(scalar.net_a, x_s, layers=["act2"], output=False).y
    units = choose_neurons(acts.shape[1], 5, n_intrinsic=2, random_state=seed, activations=acts)
    five = observe(scalar.net_a, x_s, layers={"act2": units}, output=False, jacobian=True)
    res["scalar A 5 units / B state"] = compare_observations(
        five.y, state.y, metric_a=five.jac, x=x_s, dmap_kwargs=dk, **common
    )
    truth = ["equivalent", "equivalent", "not equivalent", "equivalent"]
    return [comparison_row("exp_b_two_inputs", k, r, t) for (k, r), t in zip(res.items(), truth)]


def horse_pairs(fast: bool, seed: int = 0) -> list:
    """Autoencoders A / B and the one-number-code control A / C of *Experiments (c)*."""
    import torch

    from . import exp_c_horse as ht
    from .autoencoder import encode_images

    n_views, epochs = (180, 200) if fast else (360, 300)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the chapter: these small convolutions run fastest on one thread
    try:
        _, images = ht.horse_data(n_views, progress=False)
        caes = ht.train_caes(images, epochs=epochs, names=("A", "B", "C"), seed=seed, progress=False)
        codes = {k: encode_images(model, images) for k, (model, _) in caes.items()}
    finally:
        torch.set_num_threads(threads)
    metrics = {k: ht.latent_metric(z) for k, z in codes.items()}
    ab = ht.compare_latents(codes["A"], codes["B"], metrics["A"], metrics["B"], random_state=seed)
    ac = ht.compare_latents(codes["A"], codes["C"], metrics["A"], metrics["C"], n_coordinates=(2, 1), random_state=seed)
    return [
        comparison_row("exp_c_horse", "autoencoders A / B (2-number codes)", ab, "equivalent"),
        comparison_row("exp_c_horse", "autoencoder A / C (one-number code)", ac, "not equivalent"),
    ]


def zoo_pairs(fast: bool, seed: int = 0) -> list:
    """Every pair of members of the zoo (its settings; fast: the nine members of :data:`~netequiv.chapters.zoo.FAST_ZOO`).

    Uses :func:`netequiv.chapters.zoo.prepare_member` once per member and
    :func:`netequiv.chapters.zoo.pair_scores` per ordered pair, on one process; the
    verdict is :func:`netequiv.chapters.zoo.pair_verdict` and the truth the zoo's ground
    truth (:func:`netequiv.chapters.zoo.ground_truth`).
    """
    from . import zoo

    n_samples, epochs, polish_iter = (500, 400, 100) if fast else (1000, 1500, 300)
    members = zoo.train_zoo(
        zoo.zoo_specs(fast), epochs=epochs, polish_iter=polish_iter, random_state=seed, progress=False
    )
    names = list(members)
    x = np.random.default_rng(seed + 7).uniform(0, 1, n_samples)[:, None]
    obs = zoo.observe_zoo(members, x)
    gt = zoo.ground_truth(members)
    prep = [zoo.prepare_member(*obs[k], random_state=seed) for k in names]
    rows = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            fwd, bwd = zoo.pair_scores(prep[i], prep[j]), zoo.pair_scores(prep[j], prep[i])
            sides = [{**prep[k]["diagnostics"], "name": n} for k, n in ((i, "A"), (j, "B"))]
            verdict = zoo.pair_verdict(fwd, bwd, prep[i], prep[j])
            truth = "equivalent" if gt.equivalent[i, j] else "not equivalent"
            rows.append(
                _row(
                    "zoo", f"{names[i]} / {names[j]}", fwd["max_nrmse"], bwd["max_nrmse"], *sides, 0.05, verdict, truth
                )
            )
    return rows


# --------------------------------------------------------------------------- summaries


def verdict_counts(rows) -> dict:
    """``{chapter: {verdict: count}}`` over the rows (every verdict listed, zeros included)."""
    from ..comparison import VERDICTS

    out = {}
    for r in rows:
        out.setdefault(r["chapter"], dict.fromkeys(VERDICTS, 0))[r["verdict"]] += 1
    return out


def extreme_ratios(rows) -> dict:
    r"""The margins of the rule on these pairs: cross error over self floor, :math:`\max(e_{A\to B}, e_{B\to A}) / s`.

    Returns
    -------
    dict
        ``largest_equivalent`` (largest ratio of an "equivalent" pair) and
        ``smallest_not_equivalent`` (smallest of a "not equivalent" pair), each with the
        ``pair`` and ``chapter`` it comes from; NaN and ``None`` when no pair has that verdict.
    """

    def pick(verdict, fn):
        cand = [(max(r["forward"], r["backward"]) / r["floor"], r) for r in rows if r["verdict"] == verdict]
        if not cand:
            return {"ratio": float("nan"), "pair": None, "chapter": None}
        ratio, r = fn(cand, key=lambda t: t[0])
        return {"ratio": float(ratio), "pair": r["pair"], "chapter": r["chapter"]}

    return {"largest_equivalent": pick("equivalent", max), "smallest_not_equivalent": pick("not equivalent", min)}
