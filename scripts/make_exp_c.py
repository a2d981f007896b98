"""Write notebooks/exp_c_horse.ipynb (without outputs) from the cell texts below.

    .venv/bin/python scripts/make_exp_c.py

Edit the chapter here and regenerate; the committed notebook has no outputs and no
execution counts.
"""

from pathlib import Path

from nbtools import code, md, write

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "exp_c_horse.ipynb"

cells = []
add = cells.append

# --------------------------------------------------------------------------- opening
add(md(r"""
# Experiments (c): two autoencoders

## Overview

The inputs are now images: views of a horse turned by an angle $\theta$ about the vertical
axis. However many pixels a view has, the views form a circle, a manifold of dimension
$n = 1$. Two convolutional autoencoders of different architecture and latent size learn to
compress and restore these views; their latent codes are the observations we compare.

1. We render the views and train the two autoencoders, A (3 latent numbers) and B (8).
2. Each latent space gets a local metric from codes of nearby angles, and its Mahalanobis
   diffusion map recovers the circle: the two leading eigenvectors are
   $(\cos\theta, \sin\theta)$ up to a rotation, and the angle can be read off them.
3. The transformation $T$ from A's codes to B's, and back, is fitted through these
   coordinates; decoding $T$'s output with B's decoder gives the image B would have made.
4. A negative control, an autoencoder with a single latent number, cannot embed the circle
   and is judged not equivalent.

## Prerequisites

| Concepts | Importance | Notes |
|---|---|---|
| [Diffusion maps](diffusion_maps.ipynb) | Necessary | eigenfunctions of a circle, selection of non-harmonic coordinates |
| [A Mahalanobis-like metric](mahalanobis.ipynb) | Necessary | local metrics from Jacobians or bursts |
| [Whitney's embedding reasoning](whitney.ipynb) | Helpful | why one number cannot embed a circle |
| [Experiments (a)](exp_a_scalar.ipynb), [(b)](exp_b_two_inputs.ipynb) | Helpful | the comparison and its verdict |
| Convolutional autoencoders | Helpful | encoder $E$, decoder $D$, reconstruction error |

- **Time to learn**: 25 minutes of reading. Running the notebook takes about 1.5 minutes in
  fast mode and about 5 minutes in full mode on 2 CPU cores with an empty cache (rendering
  and training included; trained autoencoders are cached, so reruns take seconds).
- **Paper**: example (c) of {cite}`bertalan2024transformations`, the two autoencoders of a
  rotating object (see also {cite}`bertalan2020transformations`). Checked here: the
  Mahalanobis diffusion map of each latent space recovers the circle of views
  (median angle error below 2 degrees), $T$ and $T^{-1}$ between the two latent spaces
  reproduce the other network's codes and, after decoding, its images as well as that
  network reproduces them itself; a latent space that cannot embed the circle fails.
"""))

add(code(r"""
%matplotlib inline
%config InlineBackend.figure_formats = ["svg"]
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from IPython.display import Markdown
from myst_nb import glue

from netequiv import horse_tasks as ht
from netequiv import plotting_horse as ph
from netequiv.autoencoder import encode_images
"""))

add(code(r"""
fast = os.environ.get("BOOK_FAST", "0") == "1"
seed = 0
n_views = None  # views over the full turn (default 360; fast: 180)
epochs = None  # training epochs of every autoencoder (default 300; fast: 200)
results_dir = None  # when set, the headline numbers are written to <results_dir>/exp_c_horse.json
""", tags=["parameters"]))

add(code(r"""
n_views = n_views or (180 if fast else 360)
epochs = epochs or (200 if fast else 300)
torch.set_num_threads(1)  # these small convolutions run fastest on one thread
results = {"fast": fast, "seed": seed, "n_views": n_views, "epochs": epochs}
t_start, cpu_start = time.perf_counter(), time.process_time()
"""))

# --------------------------------------------------------------------------- views
add(md(r"""
## The views

The mesh is the Cyberware horse of the Georgia Tech Large Geometric Models Archive
{cite}`gatech_horse`. {py:func}`~netequiv.horse.horse_views` renders it on the CPU, turned
by $\theta_k = 2\pi k/N$, $k = 0,\dots,N-1$, as {glue:text}`image_size`-pixel grey-scale
images seen from a camera looking down by 20 degrees (a horizontal camera would see nearly
mirror-symmetric silhouettes at $\theta$ and $-\theta$). {numref}`fig-expc-views` shows
every few views of the turn.
"""))

add(code(r"""
thetas, images = ht.horse_data(n_views)
glue("image_size", ht.IMAGE_SIZE, display=False)
glue("n_views", n_views, display=False)
ph.plot_views(thetas, images);
""", tags=["hide-input"], caption=r"""
Views of the horse turned about the vertical axis (angle in degrees above each view); the
chapter uses all $N$ views of the full turn, equally spaced.
""", name="fig-expc-views"))

# --------------------------------------------------------------------------- networks
add(md(r"""
## Two autoencoders and a control

Each autoencoder has an encoder $E$ (strided convolutions and a linear layer) and a decoder
$D$ (the mirror image, with transposed convolutions), trained to minimise the mean squared
error $\frac{1}{NHW}\sum_k \|D(E(x_k)) - x_k\|^2$ on all {glue:text}`n_views` views
({py:func}`~netequiv.autoencoder.train_autoencoder`). A and B differ in latent size, depth,
widths, activation and seed; C, the negative control, has a single latent number.
"""))

add(code(r"""
caes = ht.train_caes(images, epochs=epochs, names=("A", "B", "C"), seed=seed)
codes = {name: encode_images(model, images) for name, (model, info) in caes.items()}
rows = ["| network | architecture | reconstruction RMSE per pixel | trained in |", "|---|---|---|---|"]
for name, (model, info) in caes.items():
    when = "cache" if info["from_cache"] else f"{info['train_seconds']:.0f} s"
    rows.append(f"| {name} | {ht.CAE_SPECS[name].description} | {info['rmse']:.4f} | {when} |")
Markdown("\n".join(rows))
"""))

add(md(r"""
The reconstruction error is the root mean squared difference per pixel over all views
(pixel values lie in $[0, 1]$, the horse covers about a fifth of the image). The codes
themselves are curves in latent space, parametrised by $\theta$ ({numref}`fig-expc-codes`).
Each autoencoder has drawn the circle in its own way; the one-number code of C must run back
and forth.
"""))

add(code(r"""
ph.plot_codes(thetas, {f"autoencoder {k}": z for k, z in codes.items()});
""", tags=["hide-input"], caption=r"""
The latent coordinates of the three autoencoders against the angle of the view. A and B
(left, middle) trace closed curves in $\mathbb R^3$ and $\mathbb R^8$; the single code of
C (right) cannot be one to one on the circle.
""", name="fig-expc-codes"))

# --------------------------------------------------------------------------- metric
add(md(r"""
## Local metrics from nearby angles

The Mahalanobis-like distance needs, at each view, the local covariance of the code under
small changes of the input angle. The neighbouring views $\theta_{k\pm1} = \theta_k \pm
\delta$, $\delta = 2\pi/N$, are a burst of two perturbed inputs around each view, so the
metric comes free ({py:func}`~netequiv.horse_tasks.latent_metric` with
{py:func}`~netequiv.metric_from_bursts`):

$$
\hat C_k = \frac{1}{2\delta^2}\sum_{\pm}(z_{k\pm1} - z_k)(z_{k\pm1} - z_k)^\top
= t_k t_k^\top + O(\delta^2), \qquad t_k = \frac{dz}{d\theta}(\theta_k),
$$ (eq-expc-burst)

a matrix of rank one whose pseudo-inverse makes the distance of nearby codes approximate
$|\theta_j - \theta_k|$. The alternative is the exact Jacobian of the encoder applied to the
image derivative, $t_k = J_E(x_k)\,(x_{k+1} - x_{k-1})/2\delta$
({py:func}`~netequiv.horse_tasks.latent_tangents`); both routes are compared below.

The latent curves of {numref}`fig-expc-codes` come close to themselves where different
views look alike, and they bend sharply. A rank-one metric charges nothing for a step off
the curve, so it needs a penalty on the normal directions ({py:class}`~netequiv.LocalMetric`):
too small, and a near contact of the curve short-cuts the circle; too large, and the chords
of a sharply bent curve are over-charged. The chapter uses a penalty of
{glue:text}`normal_penalty` and the 4th neighbour for the kernel bandwidth
({py:data}`~netequiv.horse_tasks.COMPARE_DEFAULTS`); the table below measures the alternatives.
"""))

add(code(r"""
metrics = {name: ht.latent_metric(z) for name, z in codes.items()}
circles, angle_res = {}, {}
for name in ("A", "B"):
    circles[name] = ht.latent_circle(codes[name], metrics[name], random_state=seed)
    angle_res[name] = ht.circle_angles(circles[name].coords, thetas)
{name: round(r["median_error_deg"], 3) for name, r in angle_res.items()}
"""))

add(md(r"""
## The circle in each latent space

For each of A and B we compute the Mahalanobis diffusion map of the codes of all views and
select two coordinates ({py:func}`~netequiv.horse_tasks.latent_circle`): on a circle the
first non-trivial eigenvalue is double, with eigenvectors $\cos\theta$ and $\sin\theta$
mixed by an unknown rotation. After centring and whitening, the angle is
$\hat\theta = \operatorname{atan2}(\psi_2, \psi_1)$, up to an offset and an orientation that
{py:func}`~netequiv.horse_tasks.circle_angles` fits ({numref}`fig-expc-circles`).
"""))

add(code(r"""
glue("angle_a", angle_res["A"]["median_error_deg"], display=False)
glue("angle_b", angle_res["B"]["median_error_deg"], display=False)
glue("normal_penalty", ht.COMPARE_DEFAULTS["normal_penalty"], display=False)
ph.plot_circle_embeddings(thetas, {f"autoencoder {k}": r for k, r in angle_res.items()});
""", tags=["hide-input"], caption=r"""
Top: the two selected diffusion-map coordinates of each latent space (whitened), coloured by
the true angle: a circle traversed once. Bottom: the angle read off the circle against the
true angle, with the median absolute error.
""", name="fig-expc-circles"))

add(md(r"""
The median angle error is {glue:text}`angle_a:.2f` degrees for A and
{glue:text}`angle_b:.2f` degrees for B, less than the spacing of the views
($360/N$ degrees). The next cell measures the choices behind this: the Jacobian route
instead of the bursts, a Euclidean diffusion map of the same codes, and other normal penalties.
"""))

add(code(r"""
def angle_error(name, metric):
    coords = ht.latent_circle(codes[name], metric, random_state=seed).coords
    return ht.circle_angles(coords, thetas)["median_error_deg"]

variants = {
    "bursts, penalty 3 (chapter)": lambda n: metrics[n],
    "encoder Jacobians, penalty 3": lambda n: ht.latent_metric(codes[n], tangents=ht.latent_tangents(caes[n][0], images)),
    "Euclidean kernel (no metric)": lambda n: None,
    "bursts, penalty 1": lambda n: ht.latent_metric(codes[n], normal_penalty=1.0),
    "bursts, penalty 10": lambda n: ht.latent_metric(codes[n], normal_penalty=10.0),
}
"""))

add(code(r"""
table = {(label, n): angle_error(n, make(n)) for label, make in variants.items() for n in ("A", "B")}
lines = ["| local metric | A: median angle error (deg) | B: median angle error (deg) |", "|---|---|---|"]
lines += [f"| {label} | {table[(label, 'A')]:.2f} | {table[(label, 'B')]:.2f} |" for label in variants]
for p in (1, 10):
    for n in ("A", "B"):
        glue(f"p{p}_{n.lower()}", table[(f"bursts, penalty {p}", n)], display=False)
Markdown("\n".join(lines))
"""))

add(md(r"""
The two routes to the metric agree. A Euclidean kernel, blind to the speed of the code
along its curve, is several times less accurate. A normal penalty of 10 over-charges the
chords where the curves bend and stretches the angles there ({glue:text}`p10_a:.2f` and
{glue:text}`p10_b:.2f` degrees). A penalty of 1 charges as much for leaving the curve as for
moving along it, and works only if the views are dense enough that the kernel never reaches
across a near contact of the curve: in this run it gives {glue:text}`p1_a:.2f` and
{glue:text}`p1_b:.2f` degrees, while with 180 views (the fast run) A's error grows to about
2 degrees. The penalty 3 is safe at both densities.

## The transformation between the latent spaces

{py:func}`~netequiv.horse_tasks.compare_latents` calls {py:func}`~netequiv.compare_observations`
with `n_intrinsic=1` (the rank of the metrics: one angle) and `n_coordinates=2` (the pair
$\cos\theta, \sin\theta$). On 80 % of the views it fits $T = G_B\circ\Phi_A$, from A's codes
to B's, and $T^{-1} = G_A\circ\Phi_B$; the other 20 % are held out.
"""))

add(code(r"""
res = ht.compare_latents(codes["A"], codes["B"], metrics["A"], metrics["B"], random_state=seed)
res
"""))

add(md(r"""
Every latent coordinate of B is predicted from A's code with a held-out NRMSE of at most
{glue:text}`fwd_max:.3f` and every coordinate of A from B's with at most
{glue:text}`bwd_max:.3f` (verdict threshold 0.05); the two networks' circle coordinates agree
to an RMS of {glue:text}`agreement_rms:.3f`. The networks are {glue:text}`verdict`.

What does this mean for images? Decoding B's predicted code with B's decoder,
$D_B(T(E_A(x)))$, should give the image B itself would give, $D_B(E_B(x))$
({py:func}`~netequiv.horse_tasks.images_through_transform`). {numref}`fig-expc-images`
shows held-out views.
"""))

add(code(r"""
img = ht.images_through_transform(res, caes["A"][0], caes["B"][0], images, codes["A"], codes["B"])
summary = res.summary()
for key in ("forward_max_nrmse", "backward_max_nrmse", "agreement_rms"):
    glue({"forward_max_nrmse": "fwd_max", "backward_max_nrmse": "bwd_max"}.get(key, key), summary[key], display=False)
glue("verdict", "equivalent" if res.equivalent else "not equivalent", display=False)
for key in ("rec_a", "rec_b", "via_t", "via_t_vs_b", "via_tinv", "ratio_t", "ratio_tinv"):
    glue(f"img_{key}", img[key], display=False)
ph.plot_reconstructions(img["images"], thetas[img["test_index"]]);
""", tags=["hide-input"], caption=r"""
Held-out views (top row, angle above), their reconstructions by A and by B, B's decoder
applied to the code that $T$ predicts from A's code, and A's decoder applied to $T^{-1}$ of
B's code.
""", name="fig-expc-images"))

add(md(r"""
On the held-out views B's own reconstruction error is {glue:text}`img_rec_b:.4f` per pixel;
the image through $T$ is off by {glue:text}`img_via_t:.4f`, a ratio of
{glue:text}`img_ratio_t:.3f`, and it differs from B's own reconstruction by only
{glue:text}`img_via_t_vs_b:.4f`. In the other direction the ratio to A's error is
{glue:text}`img_ratio_tinv:.3f`. Whatever $T$ loses is small against what either
autoencoder loses by compressing the view.

## A negative control

Autoencoder C has one latent number. A continuous function from a circle to the line cannot
be one to one: it must turn back somewhere, and two different views then share a code
({numref}`fig-expc-codes`, right; this is the simplest case of the embedding count of
[Whitney's theorem](whitney.ipynb)). The diffusion map of C's codes says so: it finds one
non-harmonic direction.
"""))

add(code(r"""
res_c = ht.compare_latents(codes["A"], codes["C"], metrics["A"], metrics["C"], n_coordinates=(2, 1),
                           random_state=seed)
{"A": np.round(np.sort(res_c.coords_a.residuals)[::-1][:3], 3),
 "C": np.round(np.sort(res_c.coords_b.residuals)[::-1][:3], 3)}
"""))

add(md(r"""
These are the three largest local-linear-regression residuals of each diffusion map's
eigenvectors ({py:func}`~netequiv.llr_residuals`): a residual near 1 marks a new direction,
a small one a harmonic of earlier eigenvectors. A's map has two new directions, the
$\cos\theta, \sin\theta$ pair; C's has one. So C gets the one coordinate it has and A
its two (`n_coordinates=(2, 1)` in {py:func}`~netequiv.horse_tasks.compare_latents`), and
both directions are fitted as before:
"""))

add(code(r"""
res_c
"""))

add(code(r"""
test_c = res_c.test_index
ph.plot_negative_control(thetas, codes["C"], thetas[test_c], codes["A"][test_c],
                         res_c.predictions["a_from_b"], nrmse=res_c.backward_nrmse);
summary_c = res_c.summary()
glue("c_fwd", summary_c["forward_max_nrmse"], display=False)
glue("c_bwd", summary_c["backward_max_nrmse"], display=False)
glue("c_verdict", "equivalent" if res_c.equivalent else "not equivalent", display=False)
""", tags=["hide-input"], caption=r"""
Left: the control's code against the angle; each value is taken at two or more angles.
Right: A's latent coordinates on held-out views (lines) and their prediction from C's code
by $T^{-1}$ (crosses): where C's code does not tell the views apart, the prediction
averages A's codes of different views.
""", name="fig-expc-control"))

add(md(r"""
A's code is predicted from C's with a held-out NRMSE of up to {glue:text}`c_bwd:.2f`:
C's code does not determine the view. The other direction, C's code from A's, has an error
of {glue:text}`c_fwd:.3f`: it would be small for a code that is a smooth function of the
angle, but C's code jumps where the encoder switches branches. The verdict is
{glue:text}`c_verdict`.
"""))

add(code(r"""
results["reconstruction_rmse"] = {name: info["rmse"] for name, (model, info) in caes.items()}
results["angle_error_deg"] = {name: r["median_error_deg"] for name, r in angle_res.items()}
results["angle_error_variants_deg"] = {f"{label} / {name}": v for (label, name), v in table.items()}
results["ab"] = summary
results["images"] = {k: v for k, v in img.items() if isinstance(v, float)}
results["control"] = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in summary_c.items()}
results["time_s"] = time.perf_counter() - t_start
results["cpu_s"] = time.process_time() - cpu_start
if results_dir is not None:
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    Path(results_dir, "exp_c_horse.json").write_text(json.dumps(results, indent=2))
glue("time_s", results["time_s"], display=False)
""", tags=["hide-input"]))

# --------------------------------------------------------------------------- closing
add(md(r"""
## Summary

- Two convolutional autoencoders (latent sizes 3 and 8, different depths, widths,
  activations and seeds) learned the {glue:text}`n_views` views of a rotating horse.
- With local metrics from codes of neighbouring views, the Mahalanobis diffusion map of
  each latent space recovers the circle of views: median angle errors
  {glue:text}`angle_a:.2f` (A) and {glue:text}`angle_b:.2f` degrees (B).
- $T$ and $T^{-1}$ between the latent spaces have held-out NRMSE at most
  {glue:text}`fwd_max:.3f` and {glue:text}`bwd_max:.3f`; decoded, the images through $T$
  are as good as B's own reconstructions (error ratio {glue:text}`img_ratio_t:.3f`; the other
  way {glue:text}`img_ratio_tinv:.3f`). The networks are {glue:text}`verdict`.
- An autoencoder with one latent number cannot embed the circle; $T^{-1}$ from its code
  fails (NRMSE {glue:text}`c_bwd:.2f`) and it is judged {glue:text}`c_verdict`.
- The whole notebook ran in {glue:text}`time_s:.0f` s.

### What's next?

The chapter on minimal neuron sets asks how few units of a hidden layer suffice to build
$T$, for the networks of all three experiments.

## Exercises
"""))

add(md(r"""
```{exercise}
:label: expc-ex-euclid

Why does the Euclidean diffusion map of the same codes fail to recover the angle, although
the codes of A trace a closed curve that never crosses itself?
```

```{solution} expc-ex-euclid
:class: dropdown

A Euclidean kernel measures distances along the curve in latent units. Where the code moves
fast with the angle (the view changes a lot, e.g. when the legs separate) a fixed kernel
width covers few degrees; where it moves slowly it covers many, and near contacts of the
curve (similar-looking views) are joined. The diffusion map then describes the curve as the
autoencoder drew it, not the circle of angles. The Mahalanobis distance divides by the local
speed $|dz/d\theta|$, so one kernel width is the same number of degrees everywhere.
```
"""))

add(md(r"""
```{exercise}
:label: expc-ex-c2

Autoencoder C fails because one number cannot embed a circle. Train the same architecture
with two latent numbers and compare it with A. Is two enough?
```
"""))

add(md(r"""
````{solution-start} expc-ex-c2
:class: dropdown
````
"""))

add(code(r"""
spec2 = {"C2": ht.CaeSpec(2, (8, 16, 32), "elu", 2, "latent 2")}
model2, info2 = ht.train_caes(images, epochs=epochs, names=("C2",), specs=spec2, seed=seed, progress=False)["C2"]
z2 = encode_images(model2, images)
res2 = ht.compare_latents(codes["A"], z2, metrics["A"], ht.latent_metric(z2), random_state=seed)
circle2 = ht.circle_angles(ht.latent_circle(z2, ht.latent_metric(z2), random_state=seed).coords, thetas)
print(res2, f"median angle error {circle2['median_error_deg']:.2f} degrees", sep="\n")
"""))

add(md(r"""
Two numbers *can* embed a circle (the plane holds one), but nothing forces an autoencoder
to find such a code: a code in the plane may still cross itself, and training is free to
place similar-looking views close together. Whitney's count $2n + 1 = 3$ is what makes a
*generic* map an embedding; with two numbers the outcome depends on the training run, and a
code that nearly touches itself shows up as a larger angle error and a larger error of
$T^{-1}$ than between A and B.

````{solution-end}
````
"""))

add(md(r"""
## References

- {cite:t}`bertalan2024transformations` and {cite:t}`bertalan2020transformations`: the method and the autoencoder example.
- {cite:t}`singer2008nonlinear`: the Mahalanobis-like distance and its invariance.
- {cite:t}`coifman2006diffusion`: diffusion maps.
- {cite:t}`whitney1936differentiable`: the embedding count $2n+1$.
- {cite}`gatech_horse`: the horse mesh.
"""))

write(cells, OUT)
print(f"wrote {OUT.relative_to(OUT.parents[1])} ({len(cells)} cells)")
