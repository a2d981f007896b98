"""Write notebooks/whitney.ipynb (without outputs) from the cell texts below.

    .venv/bin/python scripts/make_whitney_notebook.py

Edit the chapter here and regenerate; the committed notebook has no outputs and no
execution counts (tests/test_repo_hygiene.py checks this).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "whitney.ipynb"

cells = []


def md(text):
    cells.append(new_markdown_cell(text.strip("\n")))


def code(text, *tags):
    cell = new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    cells.append(cell)


# --------------------------------------------------------------------------- opening
md(r"""
# Whitney's embedding reasoning

## Overview

A transformation between two networks can only exist if each network's observations
determine the input: if two different inputs give the same observed activations, no
function of those activations can tell them apart, and no other network's features can
be reconstructed from them. How many neurons must we observe for that? Whitney's theorem
answers: $2n+1$ *generic* measurements embed an $n$-dimensional manifold. This chapter
makes that statement concrete and checks it with numbers:

1. **A circle in $\mathbb R^1$, $\mathbb R^2$, $\mathbb R^3$**: random smooth maps fold,
   cross, or embed, depending on the target dimension.
2. **A curve seen through $k$ neurons**: hidden units of a random network as
   measurements of an interval.
3. **A square seen through $k$ neurons**: the count $2n + 1 = 5$ for two inputs.
4. **Neurons that are not generic**: ridge functions, dead and saturated units.
5. **A scalar output that folds**: why $\sin 2\pi x$ cannot be inverted.
6. **The smallest set of neurons**: a greedy search.

## Prerequisites

| Concepts | Importance | Notes |
|---|---|---|
| [Introduction](../book/intro.md) | Necessary | the question and the notation $y = F(x)$ |
| Smooth maps, Jacobians, one-to-one maps | Necessary | any analysis course |
| Multilayer perceptrons (tanh, ReLU) | Helpful | built with `netequiv.nets.mlp` |

- **Time to learn**: 20 minutes.
- **Paper**: the paper uses Whitney's theorem to decide how many neurons of one network
  must be observed to reconstruct the input and every feature of another network
  {cite}`bertalan2020transformations,bertalan2024transformations`. Checked here: $2n+1$
  generic observations embed an $n$-dimensional input manifold, fewer can fold or
  cross, and units that are not generic (constant, or flat where inactive) do not count.
""")

code(r"""
%matplotlib inline
%config InlineBackend.figure_formats = ["svg"]
import json
import os
from pathlib import Path

import numpy as np
import torch
from myst_nb import glue

from netequiv import plotting, whitney
from netequiv.errors import constant_features
from netequiv.nets import mlp
from netequiv.observation import observe
""")

code(r"""
fast = os.environ.get("BOOK_FAST", "0") == "1"
seed = 0
n_maps = None  # random maps per dimension (200; fast: 30)
n_points = None  # samples of the circle, of the interval (400; fast: 240)
n_square = None  # samples of the square (600; fast: 300)
n_trials = None  # random choices of neurons per k (20; fast: 6)
gain = 4.0  # factor on the weights of the one-input network
results_dir = None  # if set: write <results_dir>/whitney.json
""", "parameters")

code(r"""
n_maps = n_maps or (30 if fast else 200)
n_points = n_points or (240 if fast else 400)
n_square = n_square or (300 if fast else 600)
n_trials = n_trials or (6 if fast else 20)
results = {"fast": fast, "seed": seed}
""")

# --------------------------------------------------------------------------- 1 circle
md(r"""
## A circle in $\mathbb R^1$, $\mathbb R^2$, $\mathbb R^3$

An **embedding** of a manifold $\mathcal M$ into $\mathbb R^d$ is a smooth map
$F$ that is one to one and whose Jacobian has full rank everywhere (an *immersion*); then
$F(\mathcal M)$ is a faithful copy of $\mathcal M$ and $F^{-1}$ is smooth on it.

Take the simplest closed manifold, the unit circle ($n = 1$), and send it into
$\mathbb R^d$ with random smooth maps: sums of random $\tanh$ ridges
$F_j(z) = K^{-1/2}\sum_k a_{jk}\tanh(w_k\cdot z + b_k)$ evaluated on
$z = (\cos t, \sin t)$ ({py:class}`~netequiv.whitney.RandomSmoothMap`). Two parameters
$s \neq t$ collide when $F(s) = F(t)$: $d$ equations for 2 unknowns. For a generic map
the set of colliding pairs therefore has dimension $2 - d$:

- $d = 1$: whole curves of collisions. A closed curve on the line reaches a maximum and a
  minimum, folds back there, and takes every value in between at least twice.
- $d = 2$: isolated crossings. The circle does embed in the plane (the identity does
  it), but a generic map need not: a transversal crossing survives every small
  perturbation of the map.
- $d = 3$: no collisions at all. A generic map embeds the circle. This is Whitney's
  count $2n + 1 = 3$ for $n = 1$ {cite}`whitney1936differentiable`; Sauer, Yorke and
  Casdagli {cite}`sauer1991embedology` showed that *generic* may be read as *almost
  every* member of a finite-dimensional family of maps, such as almost every draw of
  random weights.

{py:func}`~netequiv.whitney.count_self_intersections` counts these events on a sampled
curve: turning points in $\mathbb R^1$, crossings of non-adjacent edges in $\mathbb R^2$,
and in $\mathbb R^3$ pairs of distant edges closer than $10^{-4}$ of the curve's size.
""")

code(r"""
t, Z = whitney.circle(n_points)
examples = {d: whitney.random_smooth_map(2, d, random_state=seed)(Z)
            for d in (1, 2, 3)}
events = {d: whitney.self_intersection_points(c) for d, c in examples.items()}
{d: len(e) for d, e in events.items()}
""")

code(r"""
fig = plotting.plot_circle_images(t, examples, events)
glue("fig_circle", fig, display=False)
""", "hide-input")

md(r"""
```{glue:figure} fig_circle
:name: fig-whitney-circle

The unit circle sent into $\mathbb R^1$, $\mathbb R^2$ and $\mathbb R^3$ by random smooth
maps (colour: the angle $t$). Red circles mark the folds in $\mathbb R^1$ (the dashed level
is attained several times) and the crossings in $\mathbb R^2$; the curve in
$\mathbb R^3$ does not meet itself.
```

One map per dimension proves nothing; {numref}`fig-whitney-survey` repeats the count for
many independent random maps.
""")

code(r"""
survey = whitney.self_intersection_survey(
    (1, 2, 3), n_maps=n_maps, n_points=n_points, random_state=seed)
mean_count = dict(zip(("r1", "r2", "r3"), survey["mean_count"].tolist()))
embedded = dict(zip(("r1", "r2", "r3"),
                    survey["embedded_fraction"].tolist()))
mean_count, embedded
""")

code(r"""
circle_numbers = {
    "n_maps": n_maps,
    "folds_mean": mean_count["r1"],
    "folds_min": int(survey["counts"][0].min()),
    "crossings_mean": mean_count["r2"],
    "embedded_r2": embedded["r2"],
    "embedded_r3": embedded["r3"],
    "closest_r2": float(np.median(
        survey["min_distance"][1][survey["counts"][1] > 0])),
    "closest_r3": float(np.median(survey["min_distance"][2])),
}
for key, value in circle_numbers.items():
    glue(key, value, display=False)
fig = plotting.plot_self_intersection_survey(survey)
glue("fig_survey", fig, display=False)
""", "hide-input")

md(r"""
```{glue:figure} fig_survey
:name: fig-whitney-survey

{glue:text}`n_maps` random smooth maps of the circle per target dimension $d$. Left:
folds ($d = 1$), crossings ($d = 2$) and near-contacts ($d = 3$) per map (dots) and their
mean. Middle: the fraction of maps whose image is embedded. Right: the closest approach
of two distant parts of the image, relative to its size (log scale).
```

Every map into the line folds, at least {glue:text}`folds_min` times and
{glue:text}`folds_mean:.1f` times on average. In the plane the images cross themselves
{glue:text}`crossings_mean:.2f` times on average and only {glue:text}`embedded_r2:.0%`
of them are embedded; for those that cross, the closest approach of two distant parts
is, in the median, {glue:text}`closest_r2:.1e` of their size — the sampling resolution
of a crossing. In
$\mathbb R^3$, {glue:text}`embedded_r3:.0%` of the images are embedded, with a median
closest approach of {glue:text}`closest_r3:.2f` of their size: a third coordinate lifts
every crossing apart.
""")

# --------------------------------------------------------------------------- 2 interval
md(r"""
## A curve seen through $k$ neurons

Observing $k$ hidden units of a network is a map $x \mapsto (h_1(x), \dots, h_k(x))$ from
the input manifold into $\mathbb R^k$: exactly the situation above, with neurons in place
of random ridge sums. For inputs $x \in [0, 1]$ ($n = 1$) Whitney's count is
$2n + 1 = 3$.

We take a random tanh network with one input and three hidden layers of 32 units
({py:func}`netequiv.nets.mlp`) and multiply every weight and bias by `gain`
$= 4$. With PyTorch's default initialisation most units are monotone on $[0, 1]$, and a
single one would already embed the interval; the larger weights make many units turn
back.
""")

code(r"""
x = np.linspace(0, 1, n_points)
net = mlp(1, 1, hidden=(32, 32, 32), activation="tanh", seed=seed)
with torch.no_grad():
    for p in net.parameters():
        p.mul_(gain)
acts = observe(net, x[:, None], layers=["act2"], output=False).y
folded = np.array([whitney.folded_fraction(a) for a in acts.T])
nonmonotone = np.flatnonzero(folded > 0.1)
len(nonmonotone), acts.shape[1]
""")

md(r"""
How much of its range a unit folds back over is measured by
{py:func}`~netequiv.whitney.folded_fraction` (the fraction of its levels that have two or
more preimages); we call a unit *folded* when that exceeds 10 %. Three folded units,
observed one, two and three at a time
({numref}`fig-whitney-neurons`), and the held-out error of reconstructing $x$ from them
({py:func}`netequiv.embeds_manifold`: a kernel interpolant from the activations to $x$,
judged on a quarter of the samples held out; success means NRMSE $< 0.05$):
""")

code(r"""
units = nonmonotone[:3]
shown = {k: whitney.embeds_manifold(x, acts[:, units[:k]], random_state=seed)
         for k in (1, 2, 3)}
{k: (ok, round(err, 4)) for k, (ok, err) in shown.items()}
""")

code(r"""
names = [f"act2[{u}]" for u in units]
fig = plotting.plot_neuron_views(x, acts[:, units], names)
glue("fig_neurons", fig, display=False)
for k, (ok, err) in shown.items():
    glue(f"shown_err_{k}", err, display=False)
glue("n_nonmonotone", len(nonmonotone), display=False)
""", "hide-input")

md(r"""
```{glue:figure} fig_neurons
:name: fig-whitney-neurons

The interval $[0, 1]$ (colour: $x$) seen through one, two and three hidden units of the
random network. One unit folds; two units trace a plane curve; three units give a space
curve.
```

{glue:text}`n_nonmonotone` of the 32 units of the second hidden layer are folded on
$[0, 1]$. Reconstructing $x$ from the three shown units one, two and three at a time
gives held-out errors {glue:text}`shown_err_1:.3f`, {glue:text}`shown_err_2:.2e` and
{glue:text}`shown_err_3:.2e`. To see how typical this is, repeat it for many random
choices of $k$ units ({py:func}`~netequiv.whitney.neuron_embedding_survey`, which never
picks a constant unit):
""")

code(r"""
curve_survey = whitney.neuron_embedding_survey(
    x, acts, ks=(1, 2, 3), n_trials=n_trials, random_state=seed)
curve_embedded = dict(zip(("1", "2", "3"),
                          curve_survey["embedded_fraction"].tolist()))
curve_embedded
""")

code(r"""
for k, frac in curve_embedded.items():
    glue(f"curve_embedded_{k}", frac, display=False)
glue("n_trials", n_trials, display=False)
glue("fig_curve_survey", plotting.plot_embedding_survey(curve_survey),
     display=False)
""", "hide-input")

md(r"""
```{glue:figure} fig_curve_survey
:name: fig-whitney-curve-survey

Reconstructing $x \in [0, 1]$ from $k$ random units of the second hidden layer,
{glue:text}`n_trials` random choices per $k$. Left: held-out NRMSE (green: below the
threshold 0.05, red: above). Right: the fraction of choices that embed the interval.
```

A single random unit embeds the interval in {glue:text}`curve_embedded_1:.0%` of the
choices (when it happens to be monotone, or folds only slightly), two units in
{glue:text}`curve_embedded_2:.0%`, three units in {glue:text}`curve_embedded_3:.0%`.
""")

# --------------------------------------------------------------------------- 3 square
md(r"""
## A square seen through $k$ neurons

For two inputs, $x \in [-1, 1]^2$ ($n = 2$), the count becomes $2n + 1 = 5$. A single
unit maps the square onto an interval and cannot embed it; two units can, but a generic
map of a surface into the plane folds; five generic units always can. Here the network
keeps PyTorch's default initialisation.
""")

code(r"""
X = np.random.default_rng(seed).uniform(-1, 1, size=(n_square, 2))
net2 = mlp(2, 1, hidden=(32, 32, 32), activation="tanh", seed=seed)
acts2 = observe(net2, X, layers=["act2"], output=False).y
square_survey = whitney.neuron_embedding_survey(
    X, acts2, ks=(1, 2, 3, 5), n_trials=max(3, n_trials // 2),
    random_state=seed)
square_embedded = dict(zip(("1", "2", "3", "5"),
                           square_survey["embedded_fraction"].tolist()))
square_embedded
""")

code(r"""
for k, frac in square_embedded.items():
    glue(f"square_embedded_{k}", frac, display=False)
glue("square_median_5", float(np.median(square_survey["nrmse"][-1])),
     display=False)
glue("fig_square_survey", plotting.plot_embedding_survey(square_survey),
     display=False)
""", "hide-input")

md(r"""
```{glue:figure} fig_square_survey
:name: fig-whitney-square-survey

Reconstructing $x \in [-1, 1]^2$ from $k$ random units of the second hidden layer of a
two-input network (left: held-out NRMSE of the worse coordinate; right: fraction of
choices that embed the square).
```

One unit never embeds the square ({glue:text}`square_embedded_1:.0%`), two units do in
{glue:text}`square_embedded_2:.0%` of the choices, three in
{glue:text}`square_embedded_3:.0%`, and five in {glue:text}`square_embedded_5:.0%`
(median error {glue:text}`square_median_5:.1e`). The count $2n+1$ is a guarantee for
generic maps, not a minimum: in practice fewer units often suffice, which is why
{py:func}`~netequiv.minimal_embedding_subset` searches for the smallest set.
""")

# --------------------------------------------------------------------------- 4 non-generic
md(r"""
## Neurons that are not generic

Whitney's count holds for *generic* measurements. Units of a network are special
functions, and some of them are far from generic:

- **Ridge functions.** A unit of the first layer computes $\sigma(w \cdot x + b)$: it
  depends on the input only through $w \cdot x$, so it is constant along every line
  $w \cdot x = c$ and its Jacobian has rank one everywhere. All first-layer units together
  factor through the linear map $x \mapsto Wx$.
- **Dead ReLU units** are zero on every input, and every ReLU unit is zero, with zero
  gradient, on the half-space where it is inactive. Wherever fewer than $n$ of the
  observed units are active, the Jacobian has rank below $n$ and distinct inputs collapse.
- **Saturated tanh units** sit on a plateau where $\tanh \approx \pm 1$; in double
  precision the output may not change at all.

The level sets in {numref}`fig-whitney-level-sets` show the difference.
""")

code(r"""
net_relu = mlp(2, 1, hidden=(32, 32, 32), activation="relu", seed=seed)
g = np.linspace(-1, 1, 61)
G1, G2 = np.meshgrid(g, g)
grid = np.column_stack([G1.ravel(), G2.ravel()])
nets2 = {"tanh": net2, "relu": net_relu}
on_grid = {(a, layer): observe(m, grid, layers=[layer], output=False).y
           for a, m in nets2.items() for layer in ("act1", "act3")}
dead = np.flatnonzero(constant_features(on_grid["relu", "act3"]))
alive = np.flatnonzero(~constant_features(on_grid["relu", "act1"]))
len(dead), len(alive)
""")

code(r"""
fields = {
    "tanh, layer 1 (unit 0)": on_grid["tanh", "act1"][:, 0],
    f"ReLU, layer 1 (unit {alive[0]})": on_grid["relu", "act1"][:, alive[0]],
    "tanh, layer 3 (unit 0)": on_grid["tanh", "act3"][:, 0],
}
if len(dead):
    fields[f"ReLU, layer 3 (unit {dead[0]}, dead)"] = \
        on_grid["relu", "act3"][:, dead[0]]
fields = {k: v.reshape(G1.shape) for k, v in fields.items()}
glue("fig_level_sets", plotting.plot_level_sets(G1, G2, fields), display=False)
""", "hide-input")

md(r"""
```{glue:figure} fig_level_sets
:name: fig-whitney-level-sets

Level sets of single units on the square $[-1, 1]^2$. First-layer units are ridge
functions: straight, parallel level lines, and for ReLU a whole half-plane mapped to
zero. Deeper units have curved level sets. A dead unit is constant.
```

How much does this matter for the embedding? Observe $2n + 1 = 5$ random non-constant
units of the first or the third layer of each network, with their exact Jacobians, and
record the held-out error of reconstructing $x$, the fraction of inputs where the
Jacobian of the five observed units has rank below 2
({py:func}`~netequiv.whitney.rank_deficient_fraction`: there nearby inputs are squeezed
together), and the fraction of inputs whose nearest neighbour in activation space is
far away in the square ({py:func}`~netequiv.whitney.false_neighbor_fraction`: there
the units fold distant inputs onto each other):
""")

code(r"""
rows = {}
for act, layer in (("tanh", "act1"), ("relu", "act1"),
                   ("tanh", "act3"), ("relu", "act3")):
    ob = observe(nets2[act], X, layers=[layer], output=False, jacobian=True)
    s = whitney.neuron_embedding_survey(
        X, ob.y, ks=(5,), n_trials=max(3, n_trials // 2), jacobians=ob.jac,
        random_state=seed)
    rows[f"{act}_{layer}"] = {
        "constant": int(constant_features(ob.y).sum()),
        "nrmse": float(np.median(s["nrmse"])),
        "embedded": float(s["embedded_fraction"][0]),
        "deficient": float(s["rank_deficient"].mean()),
        "false_nn": float(s["false_neighbors"].mean()),
    }
""")

code(r"""
for row, values in rows.items():
    for col, value in values.items():
        glue(f"{row}_{col}", value, display=False)
saturated = np.tanh(40.0 + X @ np.array([1.0, -1.0]))
glue("saturated_std", float(saturated.std()), display=False)
""", "hide-input")

md(r"""
| network, layer | constant units (of 32) | median NRMSE of $x$ | choices that embed | rank $J < 2$ | false neighbours |
|---|---|---|---|---|---|
| tanh, layer 1 | {glue:text}`tanh_act1_constant` | {glue:text}`tanh_act1_nrmse:.1e` | {glue:text}`tanh_act1_embedded:.0%` | {glue:text}`tanh_act1_deficient:.1%` | {glue:text}`tanh_act1_false_nn:.1%` |
| ReLU, layer 1 | {glue:text}`relu_act1_constant` | {glue:text}`relu_act1_nrmse:.1e` | {glue:text}`relu_act1_embedded:.0%` | {glue:text}`relu_act1_deficient:.1%` | {glue:text}`relu_act1_false_nn:.1%` |
| tanh, layer 3 | {glue:text}`tanh_act3_constant` | {glue:text}`tanh_act3_nrmse:.1e` | {glue:text}`tanh_act3_embedded:.0%` | {glue:text}`tanh_act3_deficient:.1%` | {glue:text}`tanh_act3_false_nn:.1%` |
| ReLU, layer 3 | {glue:text}`relu_act3_constant` | {glue:text}`relu_act3_nrmse:.1e` | {glue:text}`relu_act3_embedded:.0%` | {glue:text}`relu_act3_deficient:.1%` | {glue:text}`relu_act3_false_nn:.1%` |

Ridge functions are not generic, but that alone does not break the embedding: tanh units
of the first layer with independent directions $w$ still determine $Wx$, and $x$ with
it ({glue:text}`tanh_act1_embedded:.0%` of the choices embed). ReLU units can break it,
in two ways. In the first layer each unit is flat wherever it is inactive: on
{glue:text}`relu_act1_deficient:.0%` of the inputs fewer than two of the five observed
units are active, the Jacobian loses rank there, and only
{glue:text}`relu_act1_embedded:.0%` of the choices embed the square. Deeper,
{glue:text}`relu_act3_constant` of the 32 units are dead, and the surviving
piecewise-linear units fold the square: {glue:text}`relu_act3_false_nn:.0%` of the
inputs have a false nearest neighbour, and {glue:text}`relu_act3_embedded:.0%` of the
choices embed. Constant units are never picked by {py:func}`~netequiv.choose_neurons`
when it is given the activations. A saturated unit,
here $\tanh(40 + x_1 - x_2)$, returns exactly 1.0 on every input (standard deviation
{glue:text}`saturated_std`): it is not a measurement at all.
""")

# --------------------------------------------------------------------------- 5 sine
md(r"""
## A scalar output that folds

The output of a scalar network is one measurement of its input. For $x \in [0, 1]$ it
embeds the interval exactly when it is monotone. The function $\sin 2\pi x$ is not: almost
every level in $(-1, 1)$ has two preimages ({numref}`fig-whitney-sine`), and no function
of the output can return both. Transformations that start from such an output fail,
while the reverse direction, a function of $x$ reconstructed from $x$, is easy. This is
the one-directional failure of Experiment (a).
""")

code(r"""
y_sin = np.sin(2 * np.pi * x)
levels = np.linspace(-0.95, 0.95, 39)
preimages = whitney.count_preimages(y_sin, levels)
x_from_sin = whitney.embeds_manifold(x, y_sin, random_state=seed)
sin_from_x = whitney.embeds_manifold(y_sin, x, random_state=seed)
x_from_monotone = whitney.embeds_manifold(x, np.tanh(4 * x - 2),
                                          random_state=seed)
x_from_sin, sin_from_x, x_from_monotone
""")

code(r"""
sine_numbers = {
    "preimages_at_half": int(whitney.count_preimages(y_sin, [0.5])[0]),
    "levels_with_two": float(np.mean(preimages == 2)),
    "x_from_sine_nrmse": x_from_sin[1],
    "sine_from_x_nrmse": sin_from_x[1],
    "x_from_monotone_nrmse": x_from_monotone[1],
}
for key, value in sine_numbers.items():
    glue(key, value, display=False)
fig = plotting.plot_preimages(x, y_sin, [0.5, -0.3], ylabel=r"$\sin 2\pi x$")
glue("fig_sine", fig, display=False)
""", "hide-input")

md(r"""
```{glue:figure} fig_sine
:name: fig-whitney-sine

$y = \sin 2\pi x$ on $[0, 1]$ with two levels and their preimages (red): each level is
attained twice, so $x$ cannot be read off $y$.
```

Of 39 equally spaced levels between $-0.95$ and $0.95$, {glue:text}`levels_with_two:.0%`
have exactly two preimages (the level $0.5$: {glue:text}`preimages_at_half`). Reconstructing $x$ from $\sin 2\pi x$ fails with
held-out NRMSE {glue:text}`x_from_sine_nrmse:.2f`; reconstructing $\sin 2\pi x$ from $x$
succeeds ({glue:text}`sine_from_x_nrmse:.1e`), and so does reconstructing $x$ from the
monotone output $\tanh(4x - 2)$ ({glue:text}`x_from_monotone_nrmse:.1e`).
""")

# --------------------------------------------------------------------------- 6 minimal
md(r"""
## The smallest set of neurons

{py:func}`~netequiv.minimal_embedding_subset` searches for the fewest columns that embed
the input. The greedy strategy adds, one at a time, the unit that lowers the held-out
error most, and stops at the first success. On all 32 units of the one-input network it
can stop at a single unit that is monotone or nearly so; restricted to the folded
units, it needs more.
""")

code(r"""
best_all = whitney.minimal_embedding_subset(x, acts, random_state=seed)
best_folded = whitney.minimal_embedding_subset(
    x, acts[:, nonmonotone], max_k=5, random_state=seed)
best_folded_units = nonmonotone[best_folded["subset"]].tolist()
best_all["k"], best_folded["k"], best_folded_units
""")

code(r"""
glue("min_k_all", best_all["k"], display=False)
glue("min_k_folded", best_folded["k"], display=False)
glue("min_folded_units", ", ".join(f"act2[{u}]" for u in best_folded_units),
     display=False)
glue("min_folded_nrmse", best_folded["nrmse"], display=False)
""", "hide-input")

md(r"""
Over all units the search stops at $k =$ {glue:text}`min_k_all`; over the
{glue:text}`n_nonmonotone` folded units it needs $k =$
{glue:text}`min_k_folded` ({glue:text}`min_folded_units`, held-out NRMSE
{glue:text}`min_folded_nrmse:.1e`), within Whitney's $2n + 1 = 3$.
""")

code(r"""
by_dim = {"1": "r1", "2": "r2", "3": "r3"}
results.update({
    "circle": {"n_maps": n_maps, "min_folds_r1": circle_numbers["folds_min"],
               "mean_count": {d: mean_count[r] for d, r in by_dim.items()},
               "embedded_fraction": {d: embedded[r]
                                     for d, r in by_dim.items()},
               "median_closest_r3": circle_numbers["closest_r3"]},
    "neurons": {"n_nonmonotone": int(len(nonmonotone)),
                "embedded_fraction": curve_embedded},
    "square": {"embedded_fraction": square_embedded},
    "non_generic": rows,
    "sine": sine_numbers,
    "minimal": {"k_all_units": best_all["k"],
                "k_nonmonotone_units": best_folded["k"],
                "subset": best_folded_units},
})
if results_dir is not None:
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    Path(results_dir, "whitney.json").write_text(json.dumps(results, indent=2))
""", "hide-input")

# --------------------------------------------------------------------------- closing
md(r"""
## Summary

- A closed curve cannot be embedded in the line: every random map of the circle into
  $\mathbb R^1$ folded (at least {glue:text}`folds_min` turning points). Into
  $\mathbb R^2$, {glue:text}`embedded_r2:.0%` of the maps were embedded and the rest
  crossed themselves; into $\mathbb R^3$, {glue:text}`embedded_r3:.0%` were embedded —
  Whitney's $2n + 1 = 3$.
- Hidden units behave like generic measurements: one random unit of a rough random
  network embedded $[0, 1]$ in {glue:text}`curve_embedded_1:.0%` of the choices, three
  units in {glue:text}`curve_embedded_3:.0%`; five units of a two-input network embedded
  the square in {glue:text}`square_embedded_5:.0%` of the choices, one unit never.
- Units that are not generic can break the count: ReLU units are flat where inactive
  and may be dead; saturated units are constant. Constant units must not be counted.
- A nonmonotone scalar output ($\sin 2\pi x$) attains almost every level twice; $x$ cannot
  be reconstructed from it (NRMSE {glue:text}`x_from_sine_nrmse:.2f`) although it is
  itself a function of $x$ (NRMSE {glue:text}`sine_from_x_nrmse:.1e`).

### What's next?

The next chapter, {doc}`diffusion_maps`, builds the other ingredient of the method:
diffusion maps, which turn observations that embed the input manifold into coordinates
of that manifold.

## Exercises
""")

md(r"""
```{exercise}
:label: whitney-ex-line

Show that no continuous map $F$ from the circle to $\mathbb R$ is one to one.
```

```{solution} whitney-ex-line
:class: dropdown

$F$ is continuous on a compact set, so it attains a maximum at some $s^*$ and a minimum
at some $s_*$. If $F$ is constant it is not one to one. Otherwise $s^* \neq s_*$, and they
split the circle into two arcs, each joining $s_*$ to $s^*$. By the intermediate value
theorem each arc takes every value strictly between $F(s_*)$ and $F(s^*)$, so each such
value has at least two preimages, one on each arc.
```
""")

md(r"""
```{exercise}
:label: whitney-ex-scale

Crossings in the plane are stable under small perturbations. How does their number
depend on how wiggly the map is? Repeat the survey in $\mathbb R^2$ for the scales
$0.5, 1, 2, 4$ of the random weights (argument `scale` of
{py:func}`~netequiv.whitney.self_intersection_survey`).
```
""")

md(r"""
````{solution-start} whitney-ex-scale
:class: dropdown
````
""")

code(r"""
for scale in (0.5, 1.0, 2.0, 4.0):
    s = whitney.self_intersection_survey(
        (2,), n_maps=20 if fast else 60, n_points=n_points, scale=scale,
        random_state=seed)
    print(f"scale {scale}: {s['mean_count'][0]:.2f} crossings per map, "
          f"{s['embedded_fraction'][0]:.0%} embedded")
""")

md(r"""
Wigglier maps (larger `scale`) turn more often and cross more. A transversal crossing
cannot be removed by a small perturbation: the two arcs through it pass from one side
of each other to the other, and a small change of the map moves the crossing point but
keeps the arcs crossing.

````{solution-end}
````
""")

md(r"""
```{exercise}
:label: whitney-ex-cube

The map $x \mapsto x^3$ is one to one on $[-1, 1]$, yet reconstructing $x$ from it is
much less accurate than reconstructing $x$ from $x^3 + x/2$. Which property of an
embedding does $x^3$ lack? Check it with {py:func}`~netequiv.whitney.rank_deficient_fraction`.
```
""")

md(r"""
````{solution-start} whitney-ex-cube
:class: dropdown
````
""")

code(r"""
u = np.linspace(-1, 1, 401)
for name, f, df in (("x^3", u**3, 3 * u**2),
                     ("x^3 + x/2", u**3 + u / 2, 3 * u**2 + 0.5)):
    ok, err = whitney.embeds_manifold(u, f)
    flat = whitney.rank_deficient_fraction(df[:, None, None])
    print(f"{name}: NRMSE {err:.1e}, rank deficient at {flat:.2%} of samples")
""")

md(r"""
$x^3$ is not an immersion: its derivative vanishes at $x = 0$, so its inverse
$y \mapsto y^{1/3}$ has an infinite slope there and no smooth interpolant follows it
closely. $x^3 + x/2$ has derivative at least $1/2$ and a smooth inverse.

````{solution-end}
````
""")

md(r"""
## References

- {cite:t}`whitney1936differentiable`: the embedding theorem.
- {cite:t}`sauer1991embedology`: embeddings by almost every map of a finite-dimensional family.
- {cite:t}`takens1981detecting`: the same count for delay coordinates of a dynamical system.
- {cite:t}`bertalan2024transformations`: the use of the count to choose the observed neurons.
""")

too_long = [line for c in cells if c.cell_type == "code" for line in c.source.splitlines()
            if len(line) > 79]
assert not too_long, f"code lines longer than 79 characters: {too_long}"

nb = new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
nbformat.validate(nb)
OUT.parent.mkdir(parents=True, exist_ok=True)
nbformat.write(nb, OUT)
print(f"wrote {OUT.relative_to(OUT.parents[1])} ({len(cells)} cells)")
