"""Write notebooks/mahalanobis.ipynb (chapter "A Mahalanobis-like metric and invariance").

Run: python scripts/make_mahalanobis.py
"""

from pathlib import Path

from nbtools import code, md, write

ROOT = Path(__file__).resolve().parents[1]

cells = [
    md(r"""
    # A Mahalanobis-like metric and invariance

    ## Overview

    Two networks that compute the same thing may present it very differently: one neuron
    reports $u_1 + u_2^3$, another $\tanh(0.3\,u_1 - 2\,u_2 + 0.1)$. A diffusion map of
    their observations with Euclidean distances inherits these distortions, and two
    networks give two different sets of "intrinsic" coordinates. This chapter shows how a
    local, Mahalanobis-like metric removes the observer:

    1. **One latent square, two observers**: $u \sim U[0,1]^2$ seen through the "mushroom"
       map $(u_1 + u_2^3,\, u_2 - u_1^3)$ and through $\tanh(Wu + b) \in \mathbb R^5$.
    2. **The local metric** from exact Jacobians: observed distances become latent distances.
    3. **Euclidean versus Mahalanobis diffusion maps**: the former disagree with the latent
       coordinates and with each other, the latter agree ($R^2$ table).
    4. **Black-box networks**: the metric from bursts of perturbed inputs, and how the burst
       size $K$ and width $\sigma$ matter.
    5. **A pitfall**: a Euclidean nearest-neighbour candidate set truncates the anisotropic
       kernel; the metric radius search does not.

    ## Prerequisites

    | Concepts | Importance | Notes |
    |---|---|---|
    | {doc}`diffusion_maps` | Necessary | kernel, $\alpha = 1$, eigenvectors, harmonics |
    | Jacobians, the chain rule | Necessary | how an observation map stretches small displacements |
    | Covariance matrices, Mahalanobis distance | Helpful | the metric is an inverse local covariance |
    | {doc}`whitney` | Helpful | the observations must embed the input manifold |

    **Time to learn**: 30 minutes.

    **Paper**: the comparison of Euclidean and Mahalanobis-like diffusion maps of
    {cite}`bertalan2020transformations,bertalan2024transformations`: intrinsic coordinates
    computed with the Mahalanobis-like distance {cite}`singer2008nonlinear` do not depend on
    which network (observation function) is looked at, while Euclidean ones do. Checked here
    on a latent square with two analytic observation maps whose Jacobians are exact.
    """),
    code(r"""
    import json
    import os
    import time
    from pathlib import Path

    import numpy as np
    from myst_nb import glue
    from scipy.spatial import cKDTree

    from netequiv import (DiffusionMaps, LocalMetric, burst_observations, metric_from_bursts,
                          metric_from_jacobians, select_nonharmonic)
    from netequiv import datasets, plotting_dmap as pdm

    %matplotlib inline
    """),
    code(r"""
    fast = os.environ.get("BOOK_FAST", "0") == "1"
    seed = 0
    n_samples = None   # latent samples (None: 800 fast, 2500 full)
    n_sweep = None     # samples in the burst sweep (None: 500 fast, 1000 full)
    results_dir = None
    """, tags=["parameters"]),
    code(r"""
    n_samples = n_samples or (800 if fast else 2500)
    n_sweep = n_sweep or (500 if fast else 1000)
    burst_sizes = (4, 16, 64) if fast else (4, 8, 16, 32, 64)
    burst_sigmas = (1e-2, 0.3) if fast else (1e-3, 1e-2, 0.1, 0.3)
    knn_sizes = (32, 64, 128) if fast else (16, 32, 64, 128, 256)
    results = {"fast": fast, "seed": seed, "n_samples": n_samples}
    t_start = time.perf_counter()
    """),
    md(r"""
    ## One latent square, two observers

    The latent variables are $u = (u_1, u_2)$, uniform on the unit square. Observer A sees
    $y^A = (u_1 + u_2^3,\; u_2 - u_1^3) \in \mathbb R^2$, a map whose Jacobian determinant
    $1 + 9u_1^2u_2^2$ never vanishes; observer B, a one-layer "network", sees
    $y^B = \tanh(Wu + b) \in \mathbb R^5$ with random $W$, $b$
    (`netequiv.datasets.latent_square` draws all of it from one seed). Both are
    embeddings of the square, so both carry the same information, in very different shapes
    ({numref}`fig-mh-observations`).
    """),
    code(r"""
    sq = datasets.latent_square(n_samples, random_state=seed)
    u = sq.u
    observers = {"mushroom": (sq.y_mushroom, sq.jac_mushroom), "tanh": (sq.y_tanh, sq.jac_tanh)}
    """),
    code(r"""
    pdm.plot_observations(u, {"mushroom map $y^A$": sq.y_mushroom,
                              "tanh map $y^B$ (features 1-3 of 5)": sq.y_tanh})
    """, tags=["hide-input"], name="fig-mh-observations", caption=r"""
    The latent square (left) and its images under the mushroom map (middle) and under the
    tanh map into $\mathbb R^5$ (right, first three features), coloured by $u_1$.
    """),
    md(r"""
    ## The local metric

    Near a sample $u_i$ the observation map is linear, $y - y_i \approx J_i (u - u_i)$ with
    the Jacobian $J_i = \partial y/\partial u\,(u_i)$. A small round cloud of latent points
    therefore appears as an ellipse with covariance proportional to $C_i = J_i J_i^\top$
    (rank 2, even in $\mathbb R^5$). Undoing the stretch with the rank-2 pseudo-inverse
    gives the Mahalanobis-like distance {cite}`singer2008nonlinear`

    $$
    d^2_{ij} = \tfrac12\,(y_i - y_j)^\top\left(C_i^{+} + C_j^{+}\right)(y_i - y_j)
    = \lVert u_i - u_j\rVert^2 + O(\lVert u_i - u_j\rVert^3),
    $$ (mh-distance)

    which is the same for every observer. {py:func}`netequiv.metric_from_jacobians` builds
    $C_i^+$ in factored form (a {py:class}`netequiv.LocalMetric`; in $\mathbb R^5$ it adds a
    penalty on the three directions normal to the observed surface, so that distant parts of
    the surface that pass close to each other are not joined). The ellipses in
    {numref}`fig-mh-ellipses` are what a latent circle of radius 0.04 looks like to
    observer A, i.e. unit balls of the metric.
    """),
    code(r"""
    metrics = {name: metric_from_jacobians(J, n_intrinsic=2) for name, (y, J) in observers.items()}
    centers = cKDTree(u).query(np.array([[a, b] for a in (0.1, 0.5, 0.9) for b in (0.1, 0.5, 0.9)]))[1]
    """),
    code(r"""
    pdm.plot_metric_ellipses(sq.y_mushroom, sq.jac_mushroom, centers, radius=0.04, color=u[:, 0])
    """, tags=["hide-input"], name="fig-mh-ellipses", caption=r"""
    Observer A's samples (colour: $u_1$) and the images $y_i + J_i\,0.04(\cos t, \sin t)$ of
    small latent circles at nine points: the local metric is strongly anisotropic near the
    corners $u = (1, 0)$ and $(0, 1)$.
    """),
    md(r"""
    We check {eq}`mh-distance` on all pairs of samples less than 0.08 apart in the latent
    square, comparing the observed Euclidean distance and the Mahalanobis-like distance
    with the latent distance:
    """),
    code(r"""
    pairs = np.array(sorted(cKDTree(u).query_pairs(0.08)))
    i, j = pairs[:, 0], pairs[:, 1]
    d_latent = np.linalg.norm(u[i] - u[j], axis=1)
    dist = {}
    for name, (y, J) in observers.items():
        delta = y[i] - y[j]
        dist[f"{name}: Euclidean"] = np.linalg.norm(delta, axis=1)
        dist[f"{name}: Mahalanobis"] = np.sqrt(0.5 * (metrics[name].quadratic(i, delta)
                                                      + metrics[name].quadratic(j, delta)))
    rel = {k: float(np.median(np.abs(v / d_latent - 1))) for k, v in dist.items()}
    for key, value in rel.items():
        glue(f"mh-rel-{key.replace(': ', '-').lower()}", value, display=False)
    results["distance_median_relative_error"] = rel
    print({k: round(v, 4) for k, v in rel.items()}, f"({len(pairs)} pairs)")
    """),
    code(r"""
    pdm.plot_distances(d_latent, dist)
    """, tags=["hide-input"], name="fig-mh-distances", caption=r"""
    Distances of nearby pairs in the observations against their latent distance. Euclidean
    distances (first and third panel) scatter widely; the Mahalanobis-like distances
    {eq}`mh-distance` lie on the diagonal for both observers.
    """),
    md(r"""
    The median relative deviation from the latent distance is
    {glue:text}`mh-rel-mushroom-euclidean:.2f` (mushroom, Euclidean) and
    {glue:text}`mh-rel-tanh-euclidean:.2f` (tanh, Euclidean), but only
    {glue:text}`mh-rel-mushroom-mahalanobis:.4f` and {glue:text}`mh-rel-tanh-mahalanobis:.4f`
    with the metric ({numref}`fig-mh-distances`).

    ## Euclidean versus Mahalanobis diffusion maps

    Now the diffusion maps themselves: the reference is the (Euclidean) diffusion map of the
    latent samples $u$; for each observer we compute a Euclidean one and a Mahalanobis one
    (same estimator, `metric="mahalanobis"`, kernel {eq}`mh-distance`). Each embedding has
    two coordinates $(\psi_1, \psi_2)$; an embedding agrees with another when each of the
    other's coordinates is an affine function of it, measured by the coefficient of
    determination $R^2$ of a least-squares fit:
    """),
    code(r"""
    def r2_affine(A, B):
        # R^2 of each column of B fitted affinely from the columns of A
        A1 = np.c_[A, np.ones(len(A))]
        res = B - A1 @ np.linalg.lstsq(A1, B, rcond=None)[0]
        return 1.0 - (res**2).sum(0) / ((B - B.mean(0)) ** 2).sum(0)
    """),
    code(r"""
    t0 = time.perf_counter()
    emb = {"latent $u$": DiffusionMaps(n_components=2).fit(u).embedding_}
    for name, (y, J) in observers.items():
        emb[f"{name}, Euclidean"] = DiffusionMaps(n_components=2).fit(y).embedding_
    for name, (y, J) in observers.items():
        dm = DiffusionMaps(n_components=2, metric="mahalanobis").fit(y, metrics[name])
        emb[f"{name}, Mahalanobis"] = dm.embedding_
    results["seconds_five_embeddings"] = time.perf_counter() - t0
    ref = emb["latent $u$"]
    r2 = {k: r2_affine(e, ref) for k, e in emb.items() if k != "latent $u$"}
    """),
    code(r"""
    r2_between = {
        "Euclidean": np.minimum(r2_affine(emb["mushroom, Euclidean"], emb["tanh, Euclidean"]),
                                r2_affine(emb["tanh, Euclidean"], emb["mushroom, Euclidean"])),
        "Mahalanobis": np.minimum(r2_affine(emb["mushroom, Mahalanobis"], emb["tanh, Mahalanobis"]),
                                  r2_affine(emb["tanh, Mahalanobis"], emb["mushroom, Mahalanobis"])),
    }
    for key, value in r2.items():
        tag = key.replace(", ", "-").lower()
        glue(f"mh-r2-{tag}-1", float(value[0]), display=False)
        glue(f"mh-r2-{tag}-2", float(value[1]), display=False)
    for key, value in r2_between.items():
        glue(f"mh-r2-between-{key.lower()}", float(value.min()), display=False)
    results["r2_vs_latent"] = {k: v.tolist() for k, v in r2.items()}
    results["r2_between"] = {k: v.tolist() for k, v in r2_between.items()}
    """),
    md(r"""
    | embedding | $R^2$ of latent $\psi_1$ | $R^2$ of latent $\psi_2$ |
    |---|---|---|
    | mushroom, Euclidean | {glue:text}`mh-r2-mushroom-euclidean-1:.4f` | {glue:text}`mh-r2-mushroom-euclidean-2:.4f` |
    | tanh, Euclidean | {glue:text}`mh-r2-tanh-euclidean-1:.4f` | {glue:text}`mh-r2-tanh-euclidean-2:.4f` |
    | mushroom, Mahalanobis | {glue:text}`mh-r2-mushroom-mahalanobis-1:.5f` | {glue:text}`mh-r2-mushroom-mahalanobis-2:.5f` |
    | tanh, Mahalanobis | {glue:text}`mh-r2-tanh-mahalanobis-1:.5f` | {glue:text}`mh-r2-tanh-mahalanobis-2:.5f` |

    Between the two observers (the smaller $R^2$ of the two directions and two
    coordinates): Euclidean {glue:text}`mh-r2-between-euclidean:.4f`, Mahalanobis
    {glue:text}`mh-r2-between-mahalanobis:.5f`.
    """),
    code(r"""
    pdm.plot_embedding_grid(u, emb)
    """, tags=["hide-input"], name="fig-mh-embeddings", caption=r"""
    Two-coordinate diffusion maps, coloured by $u_1$ (top) and $u_2$ (bottom). From left:
    the latent square itself, the Euclidean maps of the two observers, the Mahalanobis maps
    of the two observers. The Mahalanobis embeddings reproduce the latent one up to a
    rotation (the square's first two eigenvalues are equal, so any rotation of the pair is
    an eigenbasis); the Euclidean ones are bent, each in its own way.
    """),
    md(r"""
    The Mahalanobis embeddings reproduce the latent coordinates and each other almost
    exactly; the Euclidean ones do not ({numref}`fig-mh-embeddings`). The tanh observer's
    Euclidean $\psi_2$ is even a harmonic of $\psi_1$ (a parabola): its image of the square
    is long and thin, so the second direction appears only among later eigenvectors. A
    fairer Euclidean attempt selects the non-harmonic pair from eight eigenvectors
    ({py:func}`netequiv.select_nonharmonic`):
    """),
    code(r"""
    dm_e = DiffusionMaps(n_components=8).fit(sq.y_tanh)
    sel_e = select_nonharmonic(dm_e.eigenvectors_, 2, random_state=seed)
    r2_e_sel = r2_affine(dm_e.eigenvectors_[:, sel_e], ref)
    glue("mh-r2-tanh-eucl-sel", float(r2_e_sel.min()), display=False)
    glue("mh-sel-tanh-eucl", ", ".join(f"ψ{k + 1}" for k in sel_e), display=False)
    results["r2_tanh_euclidean_nonharmonic"] = {"selected": sel_e.tolist(), "r2": r2_e_sel.tolist()}
    print("selected:", sel_e + 1, " R^2 vs latent:", np.round(r2_e_sel, 4))
    """),
    md(r"""
    It picks {glue:text}`mh-sel-tanh-eucl` and reaches only $R^2 \ge$
    {glue:text}`mh-r2-tanh-eucl-sel:.3f`: harmonic selection cannot undo a distorted
    metric. A transformation between two networks
    built through Euclidean coordinates would have to absorb these distortions; built
    through Mahalanobis coordinates, it only has to map one network's observations back to
    a shared parametrisation of the input.

    ## Black-box networks: the metric from bursts

    Without access to derivatives, the local covariance can be measured: evaluate the
    network at $K$ inputs $u_i + \sigma z_k$, $z_k \sim N(0, I)$, around each sample. The
    covariance of such a burst of observations is $\sigma^2 J_iJ_i^\top + O(\sigma^4)$
    ({py:func}`netequiv.burst_observations <netequiv.observation.burst_observations>`,
    {py:func}`netequiv.metric_from_bursts`).
    At the full sample size, with $K = 32$ and $\sigma = 10^{-2}$:
    """),
    code(r"""
    maps = {"mushroom": datasets.mushroom, "tanh": lambda v: datasets.tanh_map(v, sq.W, sq.b)}
    r2_burst = {}
    for name, f in maps.items():
        bursts = burst_observations(f, u, n_burst=32, sigma=1e-2, random_state=seed)
        metric_b = metric_from_bursts(bursts, 1e-2, n_intrinsic=2)
        e = DiffusionMaps(n_components=2, metric="mahalanobis").fit(observers[name][0], metric_b)
        r2_burst[name] = r2_affine(e.embedding_, ref)
        glue(f"mh-r2-burst-{name}", float(r2_burst[name].min()), display=False)
    results["r2_burst"] = {k: v.tolist() for k, v in r2_burst.items()}
    print({k: np.round(v, 5) for k, v in r2_burst.items()})
    """),
    md(r"""
    The burst metric is as good as the exact one: $R^2 \ge$
    {glue:text}`mh-r2-burst-mushroom:.4f` (mushroom) and {glue:text}`mh-r2-burst-tanh:.4f`
    (tanh). How small may the bursts be? A sweep on the tanh observer with fewer samples:
    """),
    code(r"""
    sub = np.random.default_rng(seed).choice(n_samples, n_sweep, replace=False)
    ref_sub = DiffusionMaps(n_components=2).fit(u[sub]).embedding_
    sweep = {}
    for sigma in burst_sigmas:
        row = []
        for K in burst_sizes:
            bursts = burst_observations(maps["tanh"], u[sub], n_burst=K, sigma=sigma, random_state=seed)
            metric_b = metric_from_bursts(bursts, sigma, n_intrinsic=2)
            e = DiffusionMaps(n_components=2, metric="mahalanobis").fit(sq.y_tanh[sub], metric_b)
            row.append(float(r2_affine(e.embedding_, ref_sub).min()))
        sweep[f"$\\sigma = {sigma:g}$"] = row
    exact_sub = DiffusionMaps(n_components=2, metric="mahalanobis").fit(sq.y_tanh[sub], metrics["tanh"][sub])
    r2_exact_sub = float(r2_affine(exact_sub.embedding_, ref_sub).min())
    results["burst_sweep"] = {"n_burst": list(burst_sizes), "r2_min": sweep, "exact": r2_exact_sub}
    glue("mh-burst-k4", min(r[0] for s, r in zip(burst_sigmas, sweep.values()) if s <= 0.1), display=False)
    glue("mh-burst-k16", min(row[burst_sizes.index(16)] for row in sweep.values()), display=False)
    """),
    code(r"""
    pdm.plot_burst_sweep(burst_sizes, sweep, reference=r2_exact_sub)
    """, tags=["hide-input"], name="fig-mh-bursts", caption=r"""
    $1 - R^2$ (the smaller over the two latent coordinates) of Mahalanobis diffusion maps of
    the tanh observer whose metric comes from bursts of $K$ perturbed inputs of width
    $\sigma$; dashed: the metric from exact Jacobians.
    """),
    md(r"""
    Four observations per burst are too few: three degrees of freedom estimate a rank-2
    covariance in $\mathbb R^5$ so poorly that some samples get an almost singular metric,
    and the embedding degrades ($R^2$ down to {glue:text}`mh-burst-k4:.2f` for
    $\sigma \le 0.1$). From
    $K \approx 8$ on the burst metric is as good as the exact one (at $K = 16$, $R^2 \ge$
    {glue:text}`mh-burst-k16:.4f`), and the width barely matters over two decades of
    $\sigma$: the $O(\sigma^2)$ bias only shows at $\sigma = 0.3$, a third of the square
    ({numref}`fig-mh-bursts`).

    ## A pitfall: truncating the kernel with Euclidean neighbours

    A common shortcut computes the kernel only between each sample and its $k$ nearest
    neighbours in the *Euclidean* distance of the observations. With an anisotropic metric
    this set has the wrong shape: it is a ball in $y$, while the kernel's support is an
    ellipse (the metric ball), long where the observation map compresses the input.
    {numref}`fig-mh-knn` shows one sample of observer A near the corner $u = (1, 0)$:
    """),
    code(r"""
    dm_mush = DiffusionMaps(n_components=2, metric="mahalanobis").fit(sq.y_mushroom, metrics["mushroom"])
    eps_mush = dm_mush.epsilon_
    glue("mh-mean-neighbors", dm_mush.mean_neighbors_, display=False)
    c = int(cKDTree(u).query([0.95, 0.08])[1])
    cand = cKDTree(sq.y_mushroom).query(sq.y_mushroom[c], k=64)[1]
    delta = sq.y_mushroom - sq.y_mushroom[c]
    M = metrics["mushroom"]
    d2_c = 0.5 * (M.quadratic(np.full(n_samples, c), delta) + M.quadratic(np.arange(n_samples), delta))
    kernel_c = np.exp(-d2_c / (2 * eps_mush))
    glue("mh-knn-missed", float(kernel_c[np.setdiff1d(np.arange(n_samples), cand)].max()), display=False)
    """),
    code(r"""
    pdm.plot_knn_candidates(sq.y_mushroom, c, cand, kernel_c)
    """, tags=["hide-input"], name="fig-mh-knn", caption=r"""
    Kernel values $\exp(-d^2/2\varepsilon)$ above the cutoff $10^{-8}$ around one sample
    (cross) of observer A, with the Mahalanobis-like distance; circled: its 64 Euclidean
    nearest neighbours. The kernel's support is a long band; the candidate set is a disc
    that cuts it short.
    """),
    md(r"""
    The largest kernel value among the samples *outside* the 64 candidates is
    {glue:text}`mh-knn-missed:.2f` for this sample: the cut removes weight that is far from
    negligible. {py:class}`netequiv.DiffusionMaps` avoids this by a radius search in the metric
    itself ({py:func}`netequiv.metric_radius_graph`): every pair with kernel above the cutoff
    $10^{-8}$ is found, whatever its Euclidean distance. (To stay fast it looks for
    candidates in coordinates whitened by the metric of each small block of samples, so the
    search region hugs the ellipse; {doc}`../book/performance` explains the bound.) The helper
    `netequiv.datasets.knn_truncated_kernel_check` builds the truncated kernel for comparison
    and reports the kernel value at each sample's farthest ($k$-th) candidate; for a control,
    the same check runs on the latent samples with the Euclidean metric, where the kernel is
    isotropic:
    """),
    code(r"""
    r2_direct = {"mushroom": r2["mushroom, Mahalanobis"].min(), "tanh": r2["tanh, Mahalanobis"].min()}
    far_max, far_med, r2_knn = {}, {}, {}
    eps_latent = DiffusionMaps(n_components=2).fit(u).epsilon_
    cases = {**{n: (observers[n][0], metrics[n]) for n in observers},
             "latent (control)": (u, LocalMetric.euclidean(n_samples, 2))}
    for name, (y, metric) in cases.items():
        eps = eps_latent if name.startswith("latent") else eps_mush
        checks = [datasets.knn_truncated_kernel_check(y, metric, eps, n_neighbors=k) for k in knn_sizes]
        far_max[name] = [float(ch.kernel_at_farthest.max()) for ch in checks]
        far_med[name] = [float(np.median(ch.kernel_at_farthest)) for ch in checks]
        r2_knn[name] = [float(r2_affine(ch.embedding, ref).min()) for ch in checks]
    k64 = knn_sizes.index(64)
    for name in observers:
        glue(f"mh-k64-far-{name}", far_max[name][k64], display=False)
        glue(f"mh-k64-r2-{name}", r2_knn[name][k64], display=False)
    glue("mh-k64-far-latent", far_max["latent (control)"][k64], display=False)
    results["knn_truncation"] = {"k": list(knn_sizes), "kernel_at_farthest_max": far_max,
                                 "kernel_at_farthest_median": far_med, "r2_min": r2_knn,
                                 "r2_radius_search": r2_direct}
    """),
    code(r"""
    pdm.plot_truncation_sweep(knn_sizes, far_max, r2_knn)
    """, tags=["hide-input"], name="fig-mh-truncation", caption=r"""
    Left: the largest (over samples) kernel value at the farthest of $k$ Euclidean
    candidates. Right: the smaller $R^2$ of the two latent coordinates for the diffusion map
    of the truncated kernel. The radius search of `DiffusionMaps` needs no $k$.
    """),
    md(r"""
    With $k = 64$ Euclidean candidates the kernel at the farthest candidate reaches
    {glue:text}`mh-k64-far-mushroom:.2f` (mushroom) and {glue:text}`mh-k64-far-tanh:.2f`
    (tanh), against {glue:text}`mh-k64-far-latent:.3f` for the isotropic control, and the
    embedding degrades to $R^2$ = {glue:text}`mh-k64-r2-mushroom:.4f` and
    {glue:text}`mh-k64-r2-tanh:.4f`, compared with the radius search in the table above
    ({numref}`fig-mh-truncation`). Part of the loss is simply that 64 samples are fewer
    than the kernel reaches at this bandwidth ({glue:text}`mh-mean-neighbors:.0f` on average
    at the cutoff); the anisotropy makes
    it worse, because the missing samples all lie along the stretched direction. Checking
    the kernel value at each sample's farthest candidate is a cheap test for any
    neighbour-based implementation.
    """),
    code(r"""
    results["seconds"] = time.perf_counter() - t_start
    if results_dir is not None:
        Path(results_dir).mkdir(parents=True, exist_ok=True)
        Path(results_dir, "mahalanobis.json").write_text(json.dumps(results, indent=2))
    print(f"chapter computed in {results['seconds']:.1f} s")
    """),
    md(r"""
    ## Summary

    - The Mahalanobis-like distance {eq}`mh-distance` turns observed distances into latent
      ones: median relative deviation {glue:text}`mh-rel-mushroom-mahalanobis:.4f` and
      {glue:text}`mh-rel-tanh-mahalanobis:.4f`, against
      {glue:text}`mh-rel-mushroom-euclidean:.2f` and {glue:text}`mh-rel-tanh-euclidean:.2f`
      for Euclidean distances.
    - Mahalanobis diffusion maps of two very different observers reproduce the latent
      coordinates ($R^2 \ge$ {glue:text}`mh-r2-mushroom-mahalanobis-1:.4f`,
      {glue:text}`mh-r2-tanh-mahalanobis-1:.4f`, … see the table) and each other ($R^2 \ge$
      {glue:text}`mh-r2-between-mahalanobis:.4f`); Euclidean ones do not
      (between observers: {glue:text}`mh-r2-between-euclidean:.4f`).
    - Bursts of $K \ge 8$ perturbed inputs give a metric as good as exact Jacobians
      ($K = 32$: $R^2 \ge$ {glue:text}`mh-r2-burst-tanh:.4f` for the tanh observer); $K = 4$
      fails.
    - A Euclidean $k = 64$ candidate set truncates the anisotropic kernel (kernel up to
      {glue:text}`mh-k64-far-tanh:.2f` at the farthest candidate) and costs accuracy; the
      metric radius search does not truncate.

    ### What's next?

    With observer-independent coordinates $\Phi_A$ and $\Phi_B$ for two networks, the
    transformation $T = G_B \circ \Phi_A$ between their observations can be fitted and
    tested on held-out samples; the experiments apply it to trained networks, starting with
    scalar functions of one input.

    ## Exercises

    ```{exercise}
    :label: mh-ex-rank
    Replace the exact metric of the tanh observer by
    `metric_from_jacobians(sq.jac_tanh, n_intrinsic=2, normal_penalty=1e-6)`, i.e. almost no
    penalty on the three normal directions. Does the embedding change? When would it?
    ```

    ```{solution} mh-ex-rank
    :class: dropdown
    Here it hardly changes: the tanh image of the square is a gently curved surface that
    never folds back close to itself, so no two distant parts come within a kernel width.
    The normal penalty matters when the observed surface nearly touches itself (a network
    that maps distant inputs to nearby outputs): with a pure pseudo-inverse, a displacement
    normal to the surface costs nothing and the two sheets are joined.
    ```

    ```{exercise}
    :label: mh-ex-noninjective
    Observe the square through $y = (u_1, (u_2 - 0.5)^2)$, which folds it along $u_2 = 0.5$.
    What does `metric_from_jacobians` do, and what does a Mahalanobis diffusion map with
    `degenerate="clip"` return?
    ```

    ```{solution} mh-ex-noninjective
    :class: dropdown
    The Jacobian $\begin{pmatrix}1 & 0\\ 0 & 2(u_2 - 0.5)\end{pmatrix}$ loses rank on the fold
    line, so the default `degenerate="raise"` refuses with an error naming the rows. With
    `"clip"` the metric is finite but the two halves $u_2 < 0.5$ and $u_2 > 0.5$ are the same
    observations: the embedding is that of the folded (half) square, and $u_2$ cannot be
    recovered. No metric can repair a non-injective observation
    (see {doc}`whitney`).
    ```

    ## References

    - The Mahalanobis-like distance and its use for nonlinear independent component
      analysis: {cite}`singer2008nonlinear`; empirical intrinsic geometry from local
      covariances: {cite}`talmon2013empirical`; local kernels: {cite}`berry2016local`.
    - Diffusion maps: {cite}`coifman2006diffusion`.
    - The method of the book: {cite}`bertalan2020transformations,bertalan2024transformations`.
    """),
]

if __name__ == "__main__":
    write(cells, ROOT / "notebooks" / "mahalanobis.ipynb")
