"""Write notebooks/exp_d_minimal_neurons.ipynb (without outputs) from the cell texts below.

    .venv/bin/python scripts/make_exp_d.py

Edit the chapter here and regenerate; the committed notebook has no outputs.
"""

from pathlib import Path

from nbtools import collector, write

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "exp_d_minimal_neurons.ipynb"
cells, M, C = collector()


# --------------------------------------------------------------------------- opening
M(r"""
# Experiments (d): input and output from a few neurons

## Overview

The journal version of the paper observes only a *few* neurons of an intermediate layer and
reconstructs from them both the network's **input** and its **output**. Whether that works is
Whitney's question again: if the $k$ chosen activations are one-to-one on the input manifold
(an embedding, no folding), the input and everything computed from it are functions of those
$k$ numbers. This chapter, for three networks of the earlier chapters,

1. states the reconstruction test and the search for the smallest $k$;
2. loads (or trains) the networks: a scalar network ($n = 1$), a network with two inputs
   ($n = 2$) and a convolutional autoencoder of the rotating horse (the view angle, $n = 1$ on a
   circle);
3. finds, layer by layer, the fewest neurons that reconstruct the input, and reports the input and
   output errors they reach (a table);
4. draws the error against $k$ for random choices of neurons next to Whitney's $2n + 1$;
5. shows which subsets fail and why (too few units, folds, near contacts).

## Prerequisites

| Concepts | Importance | Notes |
|---|---|---|
| [Whitney's embedding reasoning](whitney.ipynb) | Necessary | $2n+1$ generic measurements, {py:func}`~netequiv.whitney.embeds_manifold` |
| [Experiments (a)](exp_a_scalar.ipynb) | Helpful | the scalar networks, folded units |
| [Experiments (b)](exp_b_two_inputs.ipynb) | Helpful | the networks with two inputs |

- **Time to learn**: 20 minutes. Running it takes under a minute of CPU time in fast mode
  (`BOOK_FAST=1`) and about 3 minutes in full mode on two CPU cores with a cold cache; trained
  networks and rendered views are cached, so re-runs are faster.
- **Paper**: the journal version {cite}`bertalan2024transformations` (following the preprint
  {cite}`bertalan2020transformations`) reconstructs a network's input and output from minimal
  partial observations of intermediate neurons. Claims checked: a few neurons of a hidden layer
  determine the input and the output; Whitney's $2n + 1$ generic neurons always suffice, fewer
  often do; subsets that fail, fail because the observation folds the input manifold.
""")

C(r"""
%matplotlib inline
%config InlineBackend.figure_formats = ["svg"]
import os
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread: faster for these small problems
import json
import time
from pathlib import Path

import numpy as np
import torch
from IPython.display import Markdown, display
from myst_nb import glue

from netequiv import field_tasks as ft, horse_tasks as ht, minimal as mn, plotting_minimal as pm
from netequiv import scalar_tasks as st
from netequiv.observation import observe
from netequiv.whitney import choose_neurons, self_intersection_points
torch.set_num_threads(1)
""")

C(r"""
fast = os.environ.get("BOOK_FAST", "0") == "1"
seed = 0
n_interval = None  # inputs of the scalar network (500; fast: 300)
n_square = None  # inputs of the two-input network (600; fast: 400)
n_views = None  # views of the horse over one turn (360; fast: 180)
cae_epochs = None  # training epochs of the horse autoencoder (200; fast: 80)
n_trials = None  # random subsets per k (8; fast: 4)
pool_size = None  # units of a convolutional layer the search may choose from (32; fast: 24)
tol = 0.05  # a subset embeds the input when the held-out NRMSE of the input is below tol
progress = False  # tqdm bars while training
results_dir = None  # if set: write <results_dir>/exp_d_minimal_neurons.json
""", "parameters")

C(r"""
n_interval = n_interval or (300 if fast else 500)
n_square = n_square or (400 if fast else 600)
n_views = n_views or (180 if fast else 360)
cae_epochs = cae_epochs or (80 if fast else 200)
n_trials = n_trials or (4 if fast else 8)
pool_size = pool_size or (24 if fast else 32)
results = {"fast": fast, "seed": seed, "tol": tol, "n_interval": n_interval,
           "n_square": n_square, "n_views": n_views, "n_trials": n_trials}
start, cpu_start = time.perf_counter(), time.process_time()
""")

# --------------------------------------------------------------------------- method
M(r"""
## Reconstructing input and output from $k$ neurons

Let $x$ range over an $n$-dimensional input manifold $\mathcal M$, let $h_j(x)$ be the
activation of unit $j$ of some hidden layer and $f(x)$ the network's output. Observing a
subset $S = \{j_1, \dots, j_k\}$ of the units gives the map

$$
h_S: \mathcal M \to \mathbb R^k, \qquad h_S(x) = \bigl(h_{j_1}(x), \dots, h_{j_k}(x)\bigr).
$$ (eq-d-hs)

If $h_S$ is an **embedding** (one-to-one, with a smooth inverse on its image), then

$$
x = h_S^{-1}(y), \qquad f(x) = \bigl(f \circ h_S^{-1}\bigr)(y), \qquad y = h_S(x),
$$ (eq-d-inverse)

so the input and the output are smooth functions of the $k$ observed numbers and can be
learned from samples. {py:func}`~netequiv.minimal.reconstruct` fits them by kernel
interpolation on 75 % of the samples and reports the NRMSE (RMSE over the standard deviation)
on the rest; a subset **embeds** the input when every input coordinate comes back with NRMSE
below {glue:text}`tol` (the threshold of {py:func}`~netequiv.whitney.embeds_manifold`). If two
distant inputs share an observation, no function of $y$ can return both, and the error stays of
order one.

The output is reconstructed in two ways. *Through the input*: first $\hat x = g(y)$, then
$\hat f = G(\hat x)$ with $G$ fitted from the training inputs to the training outputs, the
paper's $T = G \circ \Phi$ with the reconstructed input as the intrinsic coordinates $\Phi$.
*Directly*: one interpolant from $y$ to $f$. Both are functions of the $k$ observed numbers;
the direct one is harder to learn where the observation squeezes the manifold (saturated units),
because one kernel length scale must then serve very different local scales.

Whitney's theorem {cite}`whitney1936differentiable` (in the measure-theoretic form of
{cite}`sauer1991embedology`) guarantees an embedding for $k = 2n + 1$ *generic* measurements.
Neurons are not generic measurements, and a layer may hold better ones: one monotone unit already
embeds an interval, and below $k = n$ nothing can work. The smallest $k$ is found by a greedy
search ({py:func}`~netequiv.minimal.minimal_neurons`, a wrapper of
{py:func}`~netequiv.whitney.minimal_embedding_subset`): add the unit that lowers the input error
most, until it is below the threshold.

**The input of the horse is an angle.** An angle is not a function on the circle (it jumps by
$2\pi$ somewhere), so for the horse the reconstructed input is $(\cos\theta, \sin\theta)$, and
distances between inputs are chords of the circle.
""")

C(r"""
glue("tol", tol, display=False)
""", "remove-cell")

# --------------------------------------------------------------------------- networks
M(r"""
## Three networks

- **Scalar** ($n = 1$): network *A_sine* of [Experiments (a)](exp_a_scalar.ipynb), a tanh network
  with three hidden layers of 32 units that learned $\sin 2\pi x$ on $[0, 1]$
  ({py:func}`~netequiv.scalar_tasks.train_scalar_nets`; the same cached weights).
- **Two inputs** ($n = 2$): network A of the scalar task of
  [Experiments (b)](exp_b_two_inputs.ipynb), tanh 32-32-32, which learned the hill-and-pit
  function $g(u)$ on the square $[0, 1.4]^2$ ({py:func}`~netequiv.field_tasks.fit_scalar_pair`).
  Its output folds the square onto an interval.
- **Horse** ($n = 1$, a circle): autoencoder A of Experiments (c)
  ({py:func}`~netequiv.horse_tasks.train_caes`; a {py:class}`~netequiv.autoencoder.ConvAutoencoder`
  with ELU, 12-24-48 channels and a latent code of 3 numbers) trained on 32x32 views of the
  rotating horse ({py:func}`~netequiv.horse_tasks.horse_data`, camera 20° above the horizon so that
  no two views are mirror images). Its intermediate neurons are the units of the encoder's
  convolutional feature maps; its output is the latent code.
""")

C(r"""
scalar = st.train_scalar_nets({"A_sine": st.NET_SPECS["A_sine"]},
                              epochs=400 if fast else 1500,
                              polish_iter=100 if fast else 300,
                              random_state=seed, progress=progress)["A_sine"]
fit_kw = dict(n_train=800, epochs=400, polish_iter=150) if fast else {}
pair = ft.fit_scalar_pair(random_state=seed, progress=progress, **fit_kw)
""")

C(r"""
theta, views = ht.horse_data(n_views, progress=progress)
cae, cae_info = ht.train_caes(views, epochs=cae_epochs, names=("A",), progress=progress)["A"]
nets = {"scalar": scalar.test_relative_rmse, "two inputs": pair.info_a["test_relative_rmse"],
        "horse": cae_info["rmse"]}
results["nets"] = nets
nets
""")

M(r"""
The numbers are each network's own error: the relative test error of the two regression
networks and the per-pixel RMSE of the autoencoder's reconstructed views (pixel values in
$[0, 1]$). Below, every network is observed on fresh samples: {glue:text}`n_interval` random
inputs of the interval, {glue:text}`n_square` of the square, and the {glue:text}`n_views` views
themselves for the horse.
""")

C(r"""
x = np.random.default_rng(seed + 7).uniform(0, 1, n_interval)[:, None]
u = ft.sample_square(n_square, random_state=seed + 11)
circle = np.column_stack([np.cos(theta), np.sin(theta)])
obs_scalar = {f"act{i}": observe(scalar.model, x, layers=[f"act{i}"], jacobian=True)
              for i in (1, 2, 3)}
obs_square = {f"act{i}": observe(pair.net_a, u, layers=[f"act{i}"], jacobian=True)
              for i in (1, 2, 3)}
obs_horse = {f"conv{i + 1}": mn.encoder_features(cae, views, 2 * i + 1) for i in range(3)}
for name, value in (("n_interval", n_interval), ("n_square", n_square), ("n_views", n_views)):
    glue(name, value, display=False)
""")

M(r"""
Each observation of a regression network holds one hidden layer (`act1` to `act3`, after the
nonlinearity) followed by the output; {py:func}`~netequiv.minimal.encoder_features` returns the
units of one of the horse encoder's three convolutional layers (`conv1` to `conv3`, after the
ELU) and the latent code. The helper below splits an observation into the three arrays the
search needs: input coordinates, the layer's units, and the output.
""")

C(r"""
def problem(net, layer):
    '''(inputs, layer units, output, n, Jacobians of the units) of one network and layer.'''
    if net == "scalar":
        o = obs_scalar[layer]
        return x, o.y[:, :-1], o.y[:, -1:], 1, o.jac[:, :-1]
    if net == "two inputs":
        o = obs_square[layer]
        return u, o.y[:, :-1], o.y[:, -1:], 2, o.jac[:, :-1]
    units, codes, _ = obs_horse[layer]
    return circle, units, codes, 1, None
""")

# --------------------------------------------------------------------------- minimal k
M(r"""
## The fewest neurons, layer by layer

For every hidden layer of the two regression networks the greedy search may choose among all
units. A convolutional layer of the encoder has hundreds to thousands of units; there the search
chooses among a random pool of {glue:text}`pool_size` non-constant units
({py:func}`~netequiv.whitney.choose_neurons`), so the $k$ it finds is an upper bound for the
layer.
""")

C(r"""
layers = {"scalar": ["act1", "act2", "act3"], "two inputs": ["act1", "act2", "act3"],
          "horse": ["conv1", "conv2", "conv3"]}
searches, rows = {}, []
for net, names in layers.items():
    for layer in names:
        inp, units, out, n, _ = problem(net, layer)
        pool = None if net != "horse" else choose_neurons(
            units.shape[1], pool_size, 1, seed, activations=units)
        res = mn.minimal_neurons(inp, units, out, n_intrinsic=n, tol=tol,
                                 candidates=pool, random_state=seed)
        searches[net, layer] = res
        rows.append({"network": net, "layer": layer, "width": units.shape[1],
                     "k_min": res["k"], "whitney": res["whitney"], "units": res["subset"],
                     "input_error": res["input_error"], "output_error": res["output_error"],
                     "output_direct": res["output_error_direct"]})
glue("pool_size", pool_size, display=False)
""")

C(r"""
results["table"] = rows
display(Markdown(st.markdown_table(rows, {
    "network": "network", "layer": "layer", "width": "units in layer",
    "k_min": "minimal k found", "whitney": "2n+1", "input_error": "input NRMSE",
    "output_error": "output NRMSE (via input)", "output_direct": "output NRMSE (direct)"})))
""")

C(r"""
k_found = {net: [r["k_min"] for r in rows if r["network"] == net and r["k_min"] is not None]
           for net in layers}
worst_in = max(r["input_error"] for r in rows)
worst_out = max(r["output_error"] for r in rows)
worst_direct = max(r["output_direct"] for r in rows)
for key, value in (("worst_in", worst_in), ("worst_out", worst_out), ("worst_direct", worst_direct),
                   ("k_scalar", max(k_found["scalar"])),
                   ("k_square", max(k_found["two inputs"])),
                   ("k_horse_min", min(k_found["horse"])),
                   ("k_horse_max", max(k_found["horse"])),
                   ("n_horse_found", len(k_found["horse"]))):
    glue(key, value, display=False)
""", "remove-cell")

M(r"""
Every layer of the two regression networks has a small subset that embeds the input: at most
{glue:text}`k_scalar` unit(s) for the scalar network and {glue:text}`k_square` for the network with
two inputs, never more than Whitney's $2n + 1$ and never fewer than $n$. The output comes back
from the same units: through the reconstructed input the largest output NRMSE over all rows is
{glue:text}`worst_out:.1e`; once the input is known, so is everything the network computes from
it. Interpolated directly from the units the output is less accurate in some rows (up to
{glue:text}`worst_direct:.1e`): two units of the first layer, for instance, embed the square but
squeeze it where they saturate. A single unit can embed the
interval when it is monotone in $x$ (ridge functions of the first layer always are); on the square
two units suffice when the map $u \mapsto (h_a(u), h_b(u))$ happens to be one-to-one.

The horse's convolutional units are different: where the greedy search succeeded (in
{glue:text}`n_horse_found` of the three layers) it needed between {glue:text}`k_horse_min` and
{glue:text}`k_horse_max` units, in the first layers more than $2n + 1 = 3$ or no subset of up to
six units at all (`None` in the table). A unit of a feature map looks at one patch of the image and is active only while some part
of the horse passes through that patch; such units are far from the generic measurements of
Whitney's theorem, and several are needed before every view angle is told apart.
""")

# --------------------------------------------------------------------------- error vs k
M(r"""
## Error against the number of neurons

The greedy search picks good units. What do *random* units do? For one layer per network (the
last hidden layer of the regression networks, where most units are folded, and the last
convolutional layer of the encoder), {py:func}`~netequiv.minimal.neuron_count_survey` draws
{glue:text}`n_trials` random subsets of each size $k$ and reconstructs input and output from each
({numref}`fig-d-error-vs-k`).
""")

C(r"""
survey_layer = {"scalar": "act3", "two inputs": "act3", "horse": "conv3"}
survey_ks = {"scalar": range(1, 6), "two inputs": range(1, 8), "horse": range(1, 8)}
surveys = {}
for net, layer in survey_layer.items():
    inp, units, out, n, jac = problem(net, layer)
    surveys[net] = mn.neuron_count_survey(inp, units, out, ks=survey_ks[net], n_trials=n_trials,
                                          n_intrinsic=n, tol=tol, jacobians=jac,
                                          random_state=seed)
glue("n_trials", n_trials, display=False)
""")

C(r"""
titles = {net: f"{net}: {layer} (n = {surveys[net]['n_intrinsic']})"
          for net, layer in survey_layer.items()}
fig = pm.plot_error_vs_k({titles[k]: v for k, v in surveys.items()}, floor=1e-8,
                         minimal={titles[net]: searches[net, layer]["k"]
                                  for net, layer in survey_layer.items()})
glue("fig_error_vs_k", fig, display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_error_vs_k
:name: fig-d-error-vs-k

Held-out NRMSE of the input reconstructed from $k$ random units (dots, coloured by the reason of
failure; jittered sideways) with the median input error (solid) and median output error (dashed;
through the reconstructed input), against $k$. Dotted: the embedding threshold; grey band: Whitney's $2n + 1$; star: the $k$ the
greedy search found for the same layer.
```
""")

C(r"""
survey_summary = {net: {"ks": sv["ks"], "embedded_fraction": sv["embedded_fraction"],
                        "median_input": sv["median_input"],
                        "median_output": sv["median_output"],
                        "median_output_direct": sv["median_output_direct"],
                        "whitney": sv["whitney"], "reasons": mn.reason_counts(sv)}
                  for net, sv in surveys.items()}
results["surveys"] = survey_summary
frac_w = {net: s["embedded_fraction"][s["ks"].index(s["whitney"])]
          for net, s in survey_summary.items()}
for net, key in (("scalar", "scalar"), ("two inputs", "square"), ("horse", "horse")):
    glue(f"frac_w_{key}", frac_w[net], display=False)
""", "remove-cell")

M(r"""
With $k = 2n + 1$ random units, {glue:text}`frac_w_scalar:.0%` of the subsets of the scalar
network and {glue:text}`frac_w_square:.0%` of those of the two-input network embed the input,
against {glue:text}`frac_w_horse:.0%` for the horse's convolutional units. Below $2n + 1$ the
regression networks already succeed often but not always, as Whitney's count predicts for
measurements that are generic enough: the guarantee starts at $2n + 1$, success may start earlier.
The output error follows the input error: when the input is recovered, so is the output.
""")

# --------------------------------------------------------------------------- failures
M(r"""
## Which subsets fail, and why

Every failing subset gets a reason ({py:func}`~netequiv.minimal.failure_reason`):

- **too few units**: $k < n$; no map from an $n$-manifold to $\mathbb R^k$ is one-to-one.
- **fold**: two inputs far apart (at least a tenth of the manifold's diameter) have
  observations closer than the sampling step; the observation folds or crosses itself
  ({py:func}`~netequiv.minimal.separation_gap` below 0.01 of the diameter of the observations).
- **near contact**: such inputs come within 5 % of the diameter: not a fold yet, but closer than
  the interpolant can resolve.
- **rank deficient** / **other**: a flat observation, or an error just above the threshold.
""")

C(r"""
counts = {(net, k): c for net, sv in surveys.items()
          for k, c in mn.reason_counts(sv).items()}
count_rows = [{"network": net, "k": k, **{r: c[r] for r in mn.REASONS}}
              for (net, k), c in counts.items()]
display(Markdown(st.markdown_table(count_rows, {"network": "network", "k": "k",
                                                **{r: r for r in mn.REASONS}})))
""")

M(r"""
On the circle a single unit *always* fails: a continuous function on a closed curve reaches a
maximum and a minimum and takes every value in between at least twice. In the square a single
unit is one number for two inputs. Two units of the square's last layer fold it; two units of the
horse encoder draw a closed curve in the plane that crosses itself, often many times
({numref}`fig-d-failures`).
""")

C(r"""
def failing(net, k):
    '''Units of the first random subset of size k that failed, or None.'''
    sv = surveys[net]
    for kk, units, reason in zip(sv["k"], sv["units"], sv["reason"]):
        if kk == k and reason != "embeds":
            return units
    return None
""")

C(r"""
examples = {}
for key, net, k in (("interval", "scalar", 1), ("square", "two inputs", 2),
                    ("circle", "horse", 2)):
    units = failing(net, k)
    if units is None:
        continue
    inp, acts, _, _, _ = problem(net, survey_layer[net])
    h = acts[:, units]
    i, j, gap = mn.closest_distant_pair(inp, h, min_separation=0.25)
    examples[key] = {"h": h, "pair": (i, j), "gap": gap,
                     "title": f"{net}: units {units} of {survey_layer[net]}"}
""")

C(r"""
if "interval" in examples:
    examples["interval"]["x"] = x
if "square" in examples:
    examples["square"]["u"] = u
if "circle" in examples:
    ex = examples["circle"]
    ex["theta"] = theta
    ex["crossings"] = self_intersection_points(ex["h"], closed=True)
    glue("n_crossings", len(ex["crossings"]), display=False)
results["failure_gaps"] = {k: v["gap"] for k, v in examples.items()}
glue("fig_failures", pm.plot_failures(**{k: v for k, v in examples.items()}), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_failures
:name: fig-d-failures

Subsets that fail. Left: one unit of the scalar network's last layer against $x$; the two crosses
are distant inputs with the same activation. Middle: two units of the two-input network's last
layer (coloured by $u_1$) and the two inputs on the square whose observations nearly coincide.
Right: two units of the horse encoder's last convolutional layer over a full turn, coloured by the
view angle; circles mark where the curve crosses itself, crosses the closest distant pair.
```

The horse curve of the figure crosses itself {glue:text}`n_crossings` times. Each crossing is a
pair of view angles that the two units cannot tell apart, so no function of these two numbers
returns the angle (or the latent code) there.
""")

# --------------------------------------------------------------------------- reconstructions
M(r"""
## What the minimal subsets reconstruct

{numref}`fig-d-recon` shows, on held-out samples, the input and the output reconstructed from the
subset the search found for each network's surveyed layer. For the horse the reconstructed angle
is $\operatorname{atan2}(\widehat{\sin\theta}, \widehat{\cos\theta})$ and the output shown is the
first number of the latent code.
""")

C(r"""
def panel(net):
    '''True and reconstructed input and output (held out) of the minimal subset.'''
    inp, _, out, _, _ = problem(net, survey_layer[net])
    rec = searches[net, survey_layer[net]]["reconstruction"]
    test, pin = rec["test_index"], rec["predictions"]["input"]
    if net == "horse":
        true_in = theta[test]
        turn = np.arctan2(pin[:, 1], pin[:, 0]) - true_in  # compare on the circle
        pred_in = true_in + np.angle(np.exp(1j * turn))
        label = r"angle $\theta$"
    else:
        true_in, pred_in, label = inp[test, 0], pin[:, 0], "$x$" if net == "scalar" else "$u_1$"
    return {"input": (true_in, pred_in), "output": (out[test, 0], rec["predictions"]["output"][:, 0]),
            "input_label": label, "output_label": "output" if net != "horse" else "code $z_1$"}
""")

C(r"""
fig = pm.plot_reconstructions({f"{net} ({survey_layer[net]}, k = {len(searches[net, survey_layer[net]]['subset'])})":
                               panel(net) for net in survey_layer})
glue("fig_recon", fig, display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_recon
:name: fig-d-recon

Held-out inputs (top) and outputs (bottom) reconstructed from the minimal subset of one layer per
network, against their true values. The grey diagonal is a perfect reconstruction.
```
""")

C(r"""
results["time_s"] = time.perf_counter() - start
results["cpu_s"] = time.process_time() - cpu_start
if results_dir is not None:
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    Path(results_dir, "exp_d_minimal_neurons.json").write_text(
        json.dumps(results, indent=2, default=float))
round(results["time_s"], 1)
""")

# --------------------------------------------------------------------------- closing
M(r"""
## Summary

- A handful of neurons of one hidden layer determines a network's input and its output. For the
  regression networks the greedy search needed at most {glue:text}`k_scalar` unit(s) on the
  interval ($2n + 1 = 3$) and {glue:text}`k_square` on the square ($2n + 1 = 5$); the largest
  held-out NRMSE over all layers was {glue:text}`worst_in:.1e` for the input and
  {glue:text}`worst_out:.1e` for the output.
- Random subsets of $2n + 1$ units embedded the input in {glue:text}`frac_w_scalar:.0%` (scalar)
  and {glue:text}`frac_w_square:.0%` (two inputs) of the trials; smaller subsets fail by folding,
  and below $k = n$ always.
- Convolutional units of the horse encoder are not generic measurements of the view angle: the
  search needed up to {glue:text}`k_horse_max` of them (or found no subset of six), and one unit
  can never embed a circle.

### What's next?

Experiments (c) compares two autoencoders of the horse through their latent codes; the few
neurons found here could replace the codes as the observations that are compared, and
{py:func}`~netequiv.compare_observations` would then relate the two networks through them.

## Exercises

```{exercise}
:label: ex-d-exhaustive
The greedy search is not guaranteed to find the smallest subset. Run
`mn.minimal_neurons(*problem("two inputs", "act3")[:3], n_intrinsic=2, strategy="exhaustive", max_k=2)`.
Does some pair of units embed the square? How many pairs were tried?
```

```{solution} ex-d-exhaustive
:class: dropdown
The exhaustive search tries all $32$ single units and all $\binom{32}{2} = 496$ pairs
(`res["n_evaluated"]`) and returns the best pair. Several pairs of the last layer embed the square
(the greedy search already found one); a single unit never does, since $k = 1 < n = 2$.
```

```{exercise}
:label: ex-d-ridge
Survey the *first* hidden layer of the scalar network with
`mn.neuron_count_survey(*problem("scalar", "act1")[:3], ks=[1], n_trials=10)`. Why do single
units of this layer embed the interval, unlike those of `act3`?
```

```{solution} ex-d-ridge
:class: dropdown
A unit of the first layer is a ridge function $\tanh(w x + b)$ of the scalar input: strictly
monotone in $x$, so one-to-one on the interval. It can only fail where it saturates (a flat
stretch squeezes many inputs onto almost one value). Deeper units are compositions with
$\sin 2\pi x$-like shapes and have turning points; those fold.
```

## References

- {cite:t}`bertalan2024transformations` (and the preprint {cite}`bertalan2020transformations`):
  reconstruction of input and output from partial observations of intermediate neurons.
- {cite:t}`whitney1936differentiable`, {cite:t}`sauer1991embedology`: $2n + 1$ generic
  measurements embed an $n$-manifold.
- {cite:t}`kennel1992determining`: false nearest neighbours, the idea behind the fold diagnostics.
""")

write(cells, OUT)
