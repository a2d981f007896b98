"""Write notebooks/diffusion_maps.ipynb (chapter "Diffusion maps").  Run: python scripts/make_diffusion_maps.py"""

from pathlib import Path

from nbtools import code, md, write

ROOT = Path(__file__).resolve().parents[1]

cells = [
    md(r"""
    # Diffusion maps

    ## Overview

    A diffusion map turns a cloud of samples into coordinates by diffusing on it: a Gaussian
    kernel links nearby samples, the kernel is normalised into a Markov matrix, and the
    leading eigenvectors of that matrix are the new coordinates. Every later chapter uses
    it to find intrinsic coordinates of what a network computes. This chapter runs it on
    examples whose answer is known in closed form:

    1. **From kernel to Markov matrix**: the four steps by hand on a small sample, checked
       against {py:class}`netequiv.DiffusionMaps`.
    2. **An interval and a circle**: eigenvectors against $\cos k\pi x$ and against
       $(\cos m\theta, \sin m\theta)$ pairs; eigenvalue spectra.
    3. **The role of $\alpha$**: on non-uniformly sampled data only $\alpha = 1$ recovers the
       geometry independently of the sampling density.
    4. **The role of $\varepsilon$**: a bandwidth sweep, and what the automatic choice does.
    5. **Harmonics**: on a swiss roll most eigenvectors repeat the long direction; local
       linear regression detects the ones that are new.
    6. **Nyström extension**: coordinates of new samples without refitting.

    ## Prerequisites

    | Concepts | Importance | Notes |
    |---|---|---|
    | Eigenvalues and eigenvectors of symmetric matrices | Necessary | the Markov matrix is conjugate to a symmetric one |
    | Markov chains, random walks | Helpful | rows of $P$ are transition probabilities |
    | The Laplacian and its eigenfunctions ($\cos k\pi x$ on an interval) | Helpful | the limit the method converges to |
    | {doc}`whitney` | Helpful | why the coordinates of a manifold are what we are after |

    **Time to learn**: 30 minutes.

    **Paper**: the diffusion-map step of the method of
    {cite}`bertalan2020transformations,bertalan2024transformations` (step 4 of the
    {doc}`../book/intro`). No figure of the paper is reproduced here; the chapter checks the
    properties of diffusion maps {cite}`coifman2006diffusion,nadler2006diffusion` that the
    paper relies on: $\alpha = 1$ removes the sampling density, the leading eigenvectors
    parametrise the manifold, and harmonics are discarded by local linear regression
    {cite}`dsilva2018parsimonious`.
    """),
    code(r"""
    import json
    import os
    import time
    from pathlib import Path

    import numpy as np
    from myst_nb import glue

    from netequiv import DiffusionMaps, align_embeddings, llr_residuals, select_nonharmonic
    from netequiv import datasets, plotting_dmap as pdm

    %matplotlib inline
    """),
    code(r"""
    fast = os.environ.get("BOOK_FAST", "0") == "1"
    seed = 0
    n_interval = None   # samples of the interval and of the circle (None: 800 fast, 2000 full)
    n_roll = None       # samples of the swiss roll (None: 2000 fast, 3000 full)
    n_eps = None        # bandwidths in the sweep (None: 7 fast, 12 full)
    results_dir = None
    """, tags=["parameters"]),
    code(r"""
    n_interval = n_interval or (800 if fast else 2000)
    n_roll = n_roll or (2000 if fast else 3000)
    n_eps = n_eps or (7 if fast else 12)
    results = {"fast": fast, "seed": seed, "n_interval": n_interval, "n_roll": n_roll}
    t_start = time.perf_counter()
    """),
    md(r"""
    ## From kernel to Markov matrix

    Let $y_1, \dots, y_N$ be samples of a manifold. The diffusion map
    {cite}`coifman2006diffusion` builds, with a bandwidth $\varepsilon$,

    $$
    K_{ij} = \exp\left(-\frac{\lVert y_i - y_j\rVert^2}{2\varepsilon}\right), \qquad
    q_i = \sum_j K_{ij}, \qquad
    \widetilde K_{ij} = \frac{K_{ij}}{q_i^{\alpha}\, q_j^{\alpha}},
    $$ (dm-kernel)

    $$
    P = D^{-1}\widetilde K, \quad D_{ii} = \sum_j \widetilde K_{ij}, \qquad
    P\,\psi_k = \lambda_k\,\psi_k, \quad 1 = \lambda_0 > \lambda_1 \ge \lambda_2 \ge \dots
    $$ (dm-markov)

    The rows of $P$ sum to one: $P$ is the transition matrix of a random walk that jumps
    mostly to nearby samples. Its first eigenvector $\psi_0$ is constant; the next ones,
    $\psi_1, \psi_2, \dots$, are the diffusion-map coordinates. For $\alpha = 1$ and small
    $\varepsilon$, $(I - P)/\varepsilon$ approximates $-\tfrac12\Delta$, the Laplace–Beltrami
    operator of the manifold (with Neumann conditions at a boundary), so

    $$
    \mu_k = -\frac{2 \log \lambda_k}{\varepsilon}
    $$ (dm-laplacian)

    estimates its eigenvalues. {py:class}`netequiv.DiffusionMaps` implements
    {eq}`dm-kernel`–{eq}`dm-laplacian` with sparse matrices (attributes `eigenvectors_`,
    `eigenvalues_` and `laplacian_eigenvalues_`). Here are the same steps written out densely
    for 300 samples of the unit interval:
    """),
    code(r"""
    x_small = np.sort(datasets.interval(300, random_state=seed)[:, 0])
    eps_small = 2e-3
    K = np.exp(-((x_small[:, None] - x_small[None, :]) ** 2) / (2 * eps_small))
    q = K.sum(axis=1)
    K_alpha = K / np.outer(q, q)                          # alpha = 1
    P = K_alpha / K_alpha.sum(axis=1, keepdims=True)     # Markov matrix
    lam_dense = np.sort(np.linalg.eigvals(P).real)[::-1][1:6]
    dm_small = DiffusionMaps(n_components=5, epsilon=eps_small, kernel_cutoff=1e-14).fit(x_small)
    dense_gap = float(np.max(np.abs(lam_dense - dm_small.eigenvalues_)))
    glue("dm-dense-gap", dense_gap, display=False)
    results["dense_vs_sparse_max_abs"] = dense_gap
    print("dense eigenvalues:     ", np.round(lam_dense, 6))
    print("DiffusionMaps (sparse):", np.round(dm_small.eigenvalues_, 6))
    """),
    code(r"""
    pdm.plot_matrices({"kernel $K$": K, "Markov matrix $P$": P})
    """, tags=["hide-input"], name="fig-dm-matrices", caption=r"""
    The kernel $K$ of {eq}`dm-kernel` and the Markov matrix $P$ of {eq}`dm-markov` for 300
    sorted samples of $[0, 1]$: both are concentrated near the diagonal. Rows of $P$ sum to
    one; they are larger where samples are sparse.
    """),
    md(r"""
    The dense eigenvalues and the sparse estimator agree to {glue:text}`dm-dense-gap:.1e`
    ({numref}`fig-dm-matrices` shows the two matrices).

    ## An interval: eigenvectors are cosines

    On $[0, 1]$ the Neumann eigenfunctions of the Laplacian are $\cos k\pi x$ with eigenvalues
    $(k\pi)^2$. The diffusion map of uniformly random samples should reproduce them,
    up to sign and scale:
    """),
    code(r"""
    x = datasets.interval(n_interval, random_state=seed)
    dm_int = DiffusionMaps(n_components=5).fit(x)
    cosines = np.cos(np.pi * np.outer(x[:, 0], np.arange(1, 6)))
    corr_int = [abs(np.corrcoef(dm_int.eigenvectors_[:, k], cosines[:, k])[0, 1]) for k in range(5)]
    ratio_int = dm_int.laplacian_eigenvalues_ / (np.pi * np.arange(1, 6)) ** 2
    glue("dm-corr1", float(corr_int[0]), display=False)
    glue("dm-corr-min", float(min(corr_int[:4])), display=False)
    glue("dm-eps-auto", dm_int.epsilon_, display=False)
    xs = np.sort(x[:, 0])
    glue("dm-gap-at", float(xs[np.argmax(np.diff(xs))]), display=False)
    glue("dm-gap-width", float(np.diff(xs).max() / np.sqrt(dm_int.epsilon_)), display=False)
    results["interval"] = {"n": len(x), "corr_cos": [float(c) for c in corr_int],
                           "laplacian_ratio": ratio_int.tolist(), "epsilon_auto": dm_int.epsilon_}
    print("|corr(psi_k, cos k pi x)|:", np.round(corr_int, 5))
    print("mu_k / (k pi)^2:          ", np.round(ratio_int, 3))
    """),
    code(r"""
    pdm.plot_eigenfunctions(x[:, 0], dm_int.eigenvectors_[:, :4], cosines[:, :4],
                            labels=[f"$\\psi_{k}$ vs $\\cos {k}\\pi x$" for k in range(1, 5)])
    """, tags=["hide-input"], name="fig-dm-interval", caption=r"""
    The first four diffusion-map eigenvectors of uniformly random samples of $[0, 1]$ (dots)
    and the best multiple of $\cos k\pi x$ (lines).
    """),
    md(r"""
    With the automatic bandwidth ($\varepsilon$ = {glue:text}`dm-eps-auto:.2e`, the median
    squared distance to the 10th neighbour) $|\mathrm{corr}(\psi_1, \cos\pi x)|$ =
    {glue:text}`dm-corr1:.5f`, and all four leading eigenvectors correlate with their cosine
    to at least {glue:text}`dm-corr-min:.4f` ({numref}`fig-dm-interval`). Note that
    $\psi_2, \psi_3, \dots$ carry no new information: $\cos 2\pi x = 2\cos^2\pi x - 1$ is a
    function of $\psi_1$. These *harmonics* return below. The small steps in the dots
    (the largest near $x \approx$ {glue:text}`dm-gap-at:.2f`) sit at the widest gaps between
    random samples, {glue:text}`dm-gap-width:.1f` kernel widths $\sqrt\varepsilon$ wide: in
    one dimension the automatic bandwidth is on the small side. The eigenvalue estimates
    $\mu_k/(k\pi)^2$ printed above are somewhat below 1 at this bandwidth; the sweep of
    $\varepsilon$ further down shows why.

    ## A circle: eigenvectors come in pairs

    On the unit circle the eigenfunctions are $\cos m\theta$ and $\sin m\theta$, with the same
    eigenvalue $m^2$: each eigenvalue is (nearly) double, and any rotation of the pair is an
    equally valid eigenbasis.
    """),
    code(r"""
    theta, Y_circ = datasets.circle(n_interval, random_state=seed)
    dm_circ = DiffusionMaps(n_components=6).fit(Y_circ)
    pair = dm_circ.eigenvectors_[:, :2]
    A = np.c_[pair, np.ones(len(pair))]
    fit = A @ np.linalg.lstsq(A, np.c_[np.cos(theta), np.sin(theta)], rcond=None)[0]
    r2_circ = 1 - ((np.c_[np.cos(theta), np.sin(theta)] - fit) ** 2).sum(0) / (len(theta) / 2)
    gaps = np.abs(dm_circ.eigenvalues_[0::2] - dm_circ.eigenvalues_[1::2])
    glue("dm-circ-r2", float(r2_circ.min()), display=False)
    results["circle"] = {"r2_cos_sin": r2_circ.tolist(), "pair_gaps": gaps.tolist(),
                         "laplacian": dm_circ.laplacian_eigenvalues_.tolist()}
    print("mu_k:", np.round(dm_circ.laplacian_eigenvalues_, 2), " (exact: 1 1 4 4 9 9)")
    """),
    code(r"""
    pdm.plot_circle_eigenvectors(theta, dm_circ.eigenvectors_, n_pairs=2)
    """, tags=["hide-input"], name="fig-dm-circle", caption=r"""
    Circle: $(\psi_1, \psi_2)$ is the circle itself, $(\psi_3, \psi_4)$ winds around it
    twice (the harmonic $m = 2$). Right: the four eigenvectors against the angle.
    """),
    md(r"""
    $(\cos\theta, \sin\theta)$ is an affine function of $(\psi_1, \psi_2)$ with
    $R^2 \ge$ {glue:text}`dm-circ-r2:.4f` ({numref}`fig-dm-circle`). The pair is rotated by
    an arbitrary angle: eigenvectors of a (nearly) degenerate eigenvalue are defined only up
    to an orthogonal mixing, which is why later chapters compare two embeddings only after a
    Procrustes alignment ({py:func}`netequiv.align_embeddings`).

    ## Eigenvalue spectra

    The spectrum tells the two manifolds apart at a glance: simple eigenvalues growing as
    $k^2$ for the interval, pairs $m^2$ for the circle ({numref}`fig-dm-spectra`). Ratios
    are compared because the absolute estimates are a few per cent low at the automatic
    bandwidth.
    """),
    code(r"""
    pdm.plot_spectra({"interval": (dm_int.laplacian_eigenvalues_, np.arange(1, 6) ** 2),
                      "circle": (dm_circ.laplacian_eigenvalues_, [1, 1, 4, 4, 9, 9])})
    """, tags=["hide-input"], name="fig-dm-spectra", caption=r"""
    Laplacian eigenvalue estimates {eq}`dm-laplacian` of the interval and the circle,
    relative to the first (markers), and the exact ratios $k^2$ and $1, 1, 4, 4, 9, 9$
    (dashed). The circle's come in pairs.
    """),
    md(r"""
    ## The role of $\alpha$: density versus geometry

    With $\alpha = 0$ the kernel is only row-normalised (the graph Laplacian); its limit
    operator contains a drift towards densely sampled regions, so the eigenvectors depend on
    *how* the manifold was sampled, not only on its shape. $\alpha = 1/2$ gives the
    Fokker–Planck operator, and $\alpha = 1$ divides the density out and leaves the
    Laplace–Beltrami operator {cite}`coifman2006diffusion,nadler2006diffusion`. We sample the
    interval with a density that rises linearly by a factor of 10 from $x = 0$ to $x = 1$
    and fix the bandwidth at $\varepsilon = 3\times 10^{-4}$ (why not the automatic one is the topic
    of the next section):
    """),
    code(r"""
    x_ramp = datasets.interval(n_interval, density="ramp", ramp=10.0, random_state=seed)
    psi1_by_alpha, alpha_rows = {}, {}
    for alpha in (0.0, 0.5, 1.0):
        dm = DiffusionMaps(n_components=3, alpha=alpha, epsilon=3e-4).fit(x_ramp)
        psi1_by_alpha[alpha] = dm.eigenvectors_[:, 0]
        corr = abs(np.corrcoef(dm.eigenvectors_[:, 0], np.cos(np.pi * x_ramp[:, 0]))[0, 1])
        ratio = dm.laplacian_eigenvalues_ / (np.pi * np.arange(1, 4)) ** 2
        alpha_rows[str(alpha)] = {"corr_cos": float(corr), "laplacian_ratio": ratio.tolist()}
        key = f"{alpha:g}".replace(".", "")
        glue(f"dm-alpha-{key}", float(corr), display=False)
        glue(f"dm-alpha-mu-{key}", float(ratio[0]), display=False)
    results["alpha"] = alpha_rows
    """),
    code(r"""
    pdm.plot_alpha_comparison(x_ramp[:, 0], psi1_by_alpha)
    """, tags=["hide-input"], name="fig-dm-alpha", caption=r"""
    Left: the sampling density rises tenfold along the interval. Right: $\psi_1$ for
    $\alpha = 0, 1/2, 1$ (dots) against the best multiple of $\cos\pi x$ (line). Only
    $\alpha = 1$ follows the cosine, the eigenfunction of the interval itself.
    """),
    md(r"""
    | $\alpha$ | $\lvert\mathrm{corr}(\psi_1, \cos\pi x)\rvert$ | $\mu_1/\pi^2$ |
    |---|---|---|
    | 0 | {glue:text}`dm-alpha-0:.4f` | {glue:text}`dm-alpha-mu-0:.3f` |
    | 1/2 | {glue:text}`dm-alpha-05:.4f` | {glue:text}`dm-alpha-mu-05:.3f` |
    | 1 | {glue:text}`dm-alpha-1:.5f` | {glue:text}`dm-alpha-mu-1:.3f` |

    Only $\alpha = 1$ recovers $\cos\pi x$ and an eigenvalue close to $\pi^2$
    ({numref}`fig-dm-alpha`); with $\alpha = 0$ the eigenvector is stretched towards the
    sparse end. This is why the method always uses $\alpha = 1$: the inputs given to two
    networks need not be uniformly distributed on their manifold, and the coordinates must
    describe the manifold, not the sampling.

    ## The role of $\varepsilon$: a bandwidth sweep

    The bandwidth sets the scale at which samples count as neighbours. Too small, and each
    sample sees only a handful of others: the random walk is noisy, and eventually the
    neighbour graph falls apart (the estimator then raises an error; just before that, the
    eigensolver struggles with eigenvalues crowding at 1). Too large, and the kernel
    averages over a good part of the manifold, so that {eq}`dm-laplacian` is no longer a
    good approximation. We sweep $\varepsilon$ on the uniform interval from half the
    automatic value up to $0.1$:
    """),
    code(r"""
    eps_grid = np.logspace(np.log10(dm_int.epsilon_) - 0.3, -1, n_eps)
    corr_err, lap_ratio = [], []
    for eps in eps_grid:
        dm = DiffusionMaps(n_components=3, epsilon=eps).fit(x)
        corr_err.append(1 - abs(np.corrcoef(dm.eigenvectors_[:, 0], cosines[:, 0])[0, 1]))
        lap_ratio.append(dm.laplacian_eigenvalues_ / (np.pi * np.arange(1, 4)) ** 2)
    best = int(np.argmin(np.abs(np.array(lap_ratio)[:, 0] - 1)))
    glue("dm-eps-best", float(eps_grid[best]), display=False)
    glue("dm-eps-best-ratio", float(lap_ratio[best][0]), display=False)
    results["epsilon_sweep"] = {"epsilon": eps_grid.tolist(), "one_minus_corr": corr_err,
                                "laplacian_ratio": np.array(lap_ratio).tolist()}
    """),
    code(r"""
    pdm.plot_epsilon_sweep(eps_grid, corr_err, lap_ratio, eps_auto=dm_int.epsilon_)
    """, tags=["hide-input"], name="fig-dm-eps", caption=r"""
    Bandwidth sweep on the uniformly sampled interval. Left: $1 - |\mathrm{corr}(\psi_1,
    \cos\pi x)|$. Right: the Laplacian eigenvalue estimates {eq}`dm-laplacian` relative to
    $(k\pi)^2$. Dashed: the automatic bandwidth.
    """),
    md(r"""
    The eigenvector is robust: it matches $\cos\pi x$ closely over several decades of
    $\varepsilon$ ({numref}`fig-dm-eps`, left). The eigenvalues are more sensitive: the
    estimate of $\pi^2$ is best near $\varepsilon \approx$ {glue:text}`dm-eps-best:.1e`
    ($\mu_1/\pi^2$ = {glue:text}`dm-eps-best-ratio:.3f`), and the automatic choice (10th
    neighbour) lies at the small end of the good range in one dimension, where only a few
    dozen samples fall inside the kernel. Where the density is low, as at the sparse end of
    the ramp above, the automatic bandwidth is too small for that region, which is why the
    $\alpha$ comparison used a fixed $\varepsilon$. Only the eigenvectors matter for the
    method, and they are not sensitive.

    ## Harmonics and their detection: a swiss roll

    A swiss roll is a strip, here {glue:text}`dm-roll-L:.1f` long and 14 wide, rolled up once in $\mathbb R^3$
    (sampled uniformly in area by `netequiv.datasets.swiss_roll`). Its
    Laplacian eigenfunctions are products $\cos(k\pi s/L)\cos(l\pi h/w)$ of the arc length
    $s$ and the height $h$, with eigenvalues $(k\pi/L)^2 + (l\pi/w)^2$. Because the strip is
    long, the first several eigenvectors are $\cos(k\pi s/L)$, $k = 1, 2, \dots$: all
    functions of $\psi_1$. The height direction appears only when $\pi/w$ beats $k\pi/L$,
    here at the fourth eigenvector ($L/w \approx 3.5$).
    """),
    code(r"""
    st, Y_roll = datasets.swiss_roll(n_roll, random_state=seed)
    dm_roll = DiffusionMaps(n_components=8).fit(Y_roll)
    psi_roll = dm_roll.eigenvectors_
    residuals = llr_residuals(psi_roll, random_state=seed)
    selected = select_nonharmonic(psi_roll, 2, residuals=residuals)
    L, w = st[:, 0].max(), 14.0
    corr_s = abs(np.corrcoef(psi_roll[:, selected[0]], np.cos(np.pi * st[:, 0] / L))[0, 1])
    corr_h = abs(np.corrcoef(psi_roll[:, selected[1]], np.cos(np.pi * st[:, 1] / w))[0, 1])
    glue("dm-roll-L", float(L), display=False)
    glue("dm-roll-sel", ", ".join(f"ψ{k + 1}" for k in selected), display=False)
    glue("dm-roll-corr-s", float(corr_s), display=False)
    glue("dm-roll-corr-h", float(corr_h), display=False)
    glue("dm-roll-res-max-harm", float(np.delete(residuals, selected).max()), display=False)
    results["swiss_roll"] = {"residuals": residuals.tolist(), "selected": selected.tolist(),
                             "corr_s": float(corr_s), "corr_h": float(corr_h)}
    print("LLR residuals:", np.round(residuals, 3), " selected:", selected + 1)
    """),
    code(r"""
    pdm.plot_llr_residuals(residuals, selected, threshold=0.1)
    """, tags=["hide-input"], name="fig-dm-llr", caption=r"""
    Local linear regression residuals $r_k$ of the swiss-roll eigenvectors: how badly
    $\psi_k$ is predicted by $\psi_1, \dots, \psi_{k-1}$. Orange: the two selected
    (non-harmonic) eigenvectors; dashed: the minimum residual a selected one must have.
    """),
    md(r"""
    For each $\psi_k$, {py:func}`netequiv.llr_residuals` fits $\psi_k$ by a local linear
    regression on $(\psi_1, \dots, \psi_{k-1})$ and reports the normalised leave-one-out
    error $r_k$ {cite}`dsilva2018parsimonious`: near 0 for a harmonic, near 1 for a new
    direction. {py:func}`netequiv.select_nonharmonic` keeps the $n$ largest. On the roll it
    selects {glue:text}`dm-roll-sel`, while every other eigenvector has $r_k \le$
    {glue:text}`dm-roll-res-max-harm:.3f` ({numref}`fig-dm-llr`). The pairs in
    {numref}`fig-dm-pairs` show the difference: $\psi_2$ against $\psi_1$ is a curve (a
    harmonic), the selected pair fills a rectangle.
    """),
    code(r"""
    pdm.plot_eigenvector_pairs(psi_roll, [(0, 1), tuple(selected)], st[:, 1], clabel="height $h$")
    """, tags=["hide-input"], name="fig-dm-pairs", caption=r"""
    Left: $\psi_2$ against $\psi_1$ on the swiss roll traces a curve: $\psi_2$ is a function
    of $\psi_1$. Right: the selected pair spans a two-dimensional region (colour: height).
    """),
    code(r"""
    pdm.plot_swiss_roll(Y_roll, st, psi_roll[:, selected],
                        labels=[f"$\\psi_{{{k + 1}}}$" for k in selected])
    """, tags=["hide-input"], name="fig-dm-roll", caption=r"""
    The swiss roll (left) and its embedding by the two selected eigenvectors, coloured by
    arc length (middle) and by height (right): the roll is unrolled.
    """),
    md(r"""
    The selected coordinates are the unrolled strip ({numref}`fig-dm-roll`):
    $|\mathrm{corr}(\psi, \cos\pi s/L)|$ = {glue:text}`dm-roll-corr-s:.4f` and
    $|\mathrm{corr}(\psi, \cos\pi h/w)|$ = {glue:text}`dm-roll-corr-h:.4f`. The coordinates
    are cosines of the arc length and height, not the arc length and height themselves: a
    smooth, invertible reparametrisation, which is all the method needs.

    ## Nyström extension to new samples

    New samples get coordinates without recomputing eigenvectors, by one step of the
    random walk from the new point into the training samples
    ({py:meth}`netequiv.DiffusionMaps.transform`):

    $$
    \psi_k(y) = \frac{1}{\lambda_k}\sum_j p(y, y_j)\,\psi_k(y_j),
    $$ (dm-nystrom)

    with $p(y, \cdot)$ the normalised kernel row of $y$. We fit on half of the roll, extend
    to the other half, and compare with the fit on all samples, after selecting the
    non-harmonic pair in both and aligning them by Procrustes:
    """),
    code(r"""
    train, test = np.arange(0, n_roll, 2), np.arange(1, n_roll, 2)
    t0 = time.perf_counter()
    dm_half = DiffusionMaps(n_components=8).fit(Y_roll[train])
    sel_half = select_nonharmonic(dm_half.eigenvectors_, 2, random_state=seed)
    extended = dm_half.transform(Y_roll[test])[:, sel_half]
    t_nys = time.perf_counter() - t0
    nys = align_embeddings(psi_roll[test][:, selected], extended)
    glue("dm-nys-r2", nys.r2, display=False)
    glue("dm-nys-rms", nys.rms, display=False)
    results["nystrom"] = {"r2": nys.r2, "rms": nys.rms, "selected_half": sel_half.tolist(),
                          "seconds": t_nys}
    print(f"R^2 = {nys.r2:.5f}, RMS = {nys.rms:.4f}, fit + extend: {t_nys:.2f} s")
    """),
    code(r"""
    pdm.plot_nystrom(psi_roll[test][:, selected], nys.aligned, labels=["$s$-coordinate", "$h$-coordinate"])
    """, tags=["hide-input"], name="fig-dm-nystrom", caption=r"""
    Coordinates of the held-out half of the swiss roll: Nyström extension
    {eq}`dm-nystrom` of a fit on the other half (vertical) against a fit on all samples
    (horizontal). The line is the identity.
    """),
    md(r"""
    The extended coordinates agree with the full fit with $R^2$ = {glue:text}`dm-nys-r2:.4f`
    (coordinate RMS after standardising: {glue:text}`dm-nys-rms:.3f`;
    {numref}`fig-dm-nystrom`). The Nyström formula does not extrapolate: a new sample with no
    training sample within the kernel's reach is refused with an error.
    """),
    code(r"""
    results["seconds"] = time.perf_counter() - t_start
    if results_dir is not None:
        Path(results_dir).mkdir(parents=True, exist_ok=True)
        Path(results_dir, "diffusion_maps.json").write_text(json.dumps(results, indent=2))
    print(f"chapter computed in {results['seconds']:.1f} s")
    """),
    md(r"""
    ## Summary

    - The four steps {eq}`dm-kernel`–{eq}`dm-markov` written out densely and the sparse
      {py:class}`netequiv.DiffusionMaps` give the same eigenvalues (to
      {glue:text}`dm-dense-gap:.1e`).
    - Interval: $|\mathrm{corr}(\psi_1, \cos\pi x)|$ = {glue:text}`dm-corr1:.5f`; circle:
      $(\cos\theta, \sin\theta)$ from $(\psi_1, \psi_2)$ with $R^2 \ge$
      {glue:text}`dm-circ-r2:.4f`, eigenvalues in pairs.
    - On a tenfold density ramp, $\alpha = 1$ recovers $\cos\pi x$
      ({glue:text}`dm-alpha-1:.5f`) where $\alpha = 0$ does not
      ({glue:text}`dm-alpha-0:.4f`).
    - Eigenvectors are insensitive to $\varepsilon$ over decades; Laplacian eigenvalue
      estimates are best near $\varepsilon \approx$ {glue:text}`dm-eps-best:.1e`.
    - On a swiss roll, local linear regression selects {glue:text}`dm-roll-sel` and the
      pair unrolls the strip; Nyström extension reproduces a full fit with $R^2$ =
      {glue:text}`dm-nys-r2:.4f`.

    ### What's next?

    The distances here were Euclidean distances between the samples themselves. Observed
    through a network, the same inputs are distorted, and a Euclidean diffusion map of the
    observations describes the network as much as the inputs. {doc}`mahalanobis` replaces
    the Euclidean distance by a Mahalanobis-like one that undoes the distortion.

    ## Exercises

    ```{exercise}
    :label: dm-ex-eps
    With the automatic bandwidth, how many samples lie on average within the kernel cutoff
    of each sample on the interval (attribute `mean_neighbors_`)? How does the number change
    with `n_neighbors_epsilon=50`, and what happens to $\mu_1/\pi^2$?
    ```

    ```{solution} dm-ex-eps
    :class: dropdown
    `DiffusionMaps(n_components=3).fit(x).mean_neighbors_` gives a few dozen to about a
    hundred neighbours (the cutoff radius is $\sqrt{2\varepsilon\log 10^8} \approx 6\sqrt\varepsilon$).
    With `n_neighbors_epsilon=50` the bandwidth grows by roughly $5^2$, the neighbourhoods
    by a factor 5, and $\mu_1/\pi^2$ moves towards the best value of {numref}`fig-dm-eps`.
    ```

    ```{exercise}
    :label: dm-ex-width
    Make the swiss roll narrower, `datasets.swiss_roll(n, width=7.0)`. Which eigenvector is
    the first one in the height direction now? Predict it from the eigenvalues
    $(k\pi/L)^2$ and $(\pi/w)^2$ before you compute it.
    ```

    ```{solution} dm-ex-width
    :class: dropdown
    With $L \approx 49.7$ and $w = 7$, $(k\pi/L)^2 < (\pi/w)^2$ for $k < L/w \approx 7.1$, so
    $\psi_1, \dots, \psi_7$ are harmonics of the arc length and the height appears at
    $\psi_8$ (compute `n_components=10` or more). The eigenvalue of $k = 7$ is only 2 %
    below, so the two eigenvectors can mix; the LLR residual of the height eigenvector is
    then lower than in the chapter, the typical difficulty of nearly degenerate spectra.
    ```

    ```{exercise}
    :label: dm-ex-alpha
    Repeat the $\alpha$ comparison with the automatic bandwidth. Which $\alpha$ suffers most,
    and why?
    ```

    ```{solution} dm-ex-alpha
    :class: dropdown
    All three degrade, because the automatic bandwidth (fixed by the median sample, which
    lies in the dense part) is too small at the sparse end $x \approx 0$, where only one or
    two samples then fall within a kernel width. The normalisation by $q^\alpha$ cannot
    repair an under-resolved kernel; increasing `n_neighbors_epsilon` or the sample size does.
    ```

    ## References

    - Diffusion maps, the $\alpha$-normalisation and the Laplace–Beltrami limit:
      {cite}`coifman2006diffusion`; the Fokker–Planck case and the spectral view:
      {cite}`nadler2006diffusion`.
    - Nyström extension and its relatives: {cite}`coifman2006geometric`.
    - Harmonics and their detection by local linear regression:
      {cite}`dsilva2018parsimonious`.
    - How the method of the book uses diffusion maps:
      {cite}`bertalan2020transformations,bertalan2024transformations`.
    """),
]

if __name__ == "__main__":
    write(cells, ROOT / "notebooks" / "diffusion_maps.ipynb")
