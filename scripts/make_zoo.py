"""Write notebooks/zoo.ipynb (without outputs) from the cell texts below.

    .venv/bin/python scripts/make_zoo.py

Edit the chapter here and regenerate; the committed notebook has no outputs.
"""

from pathlib import Path

from nbtools import collector, write

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "zoo.ipynb"
cells, M, C = collector()


# --------------------------------------------------------------------------- opening
M(r"""
# Beyond the paper: a network zoo, equivalence classes and similarity scores

## Overview

The paper's method answers a yes/no question for a *pair* of networks, and it returns a map:
$T = G_B \circ \Phi_A$ and its inverse, with held-out errors. Practitioners compare networks
with *scores* instead — centred kernel alignment (CKA), SVCCA, Procrustes distances, model
stitching. This chapter puts both on the same footing, on a whole zoo of small networks at
once:

1. a **zoo** of networks with one input $x \in [0, 1]$: several targets (monotone and
   nonmonotonic), architectures, activations and seeds, observed through the output alone or
   through $2n + 1 = 3$ hidden neurons;
2. the **ground truth** of every pair, derived from the theory (is each observation a smooth
   function of the other on the interval?), not from the task labels;
3. **all ordered pairs** compared with {py:func}`~netequiv.compare_observations` — through a
   fast path that computes each member's intrinsic coordinates once — and with every
   baseline score, on a Dask cluster;
4. **equivalence classes** from the verdicts, checked against the ground truth (confusion
   table, false-positive rate);
5. the baselines on the same pairs, and the **cases where they mislead**.

## Prerequisites

| Concepts | Importance | Notes |
|---|---|---|
| [Experiments (a): scalar functions](exp_a_scalar.ipynb) | Necessary | folds, one-directional relations, the Whitney fix |
| [A Mahalanobis-like metric](mahalanobis.ipynb) | Necessary | $T = G_B \circ \Phi_A$ through intrinsic coordinates |
| [Whitney's embedding reasoning](whitney.ipynb) | Helpful | $2n + 1$ generic measurements embed an $n$-manifold |
| CKA, SVCCA | Helpful | {cite}`kornblith2019similarity`, {cite}`raghu2017svcca`; implemented in {py:mod}`netequiv.baselines` |

- **Time to learn**: 30 minutes. Running it takes about 10–15 minutes in full mode (24
  networks, 552 ordered pairs, two worker processes) and under 2 minutes in fast mode
  (`BOOK_FAST=1`: 9 networks, 72 pairs) on two CPU cores with a cold cache.
- **Paper**: goes beyond {cite}`bertalan2024transformations`: it uses the paper's notion of
  equivalence (observations that are smooth functions of each other on the input manifold,
  checked through $T$ and $T^{-1}$) as a relation on many networks and compares it with
  the similarity scores of {cite}`kornblith2019similarity` and {cite}`raghu2017svcca`.
""")

C(r"""
%matplotlib inline
%config InlineBackend.figure_formats = ["svg"]
import os
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread per process (workers inherit it)
import json
import time
from pathlib import Path

import numpy as np
import torch
from IPython.display import Markdown, display
from myst_nb import glue

from netequiv import compare_observations, plotting_zoo as pz, zoo
from netequiv.scalar_tasks import markdown_table
torch.set_num_threads(1)
""")

C(r"""
fast = os.environ.get("BOOK_FAST", "0") == "1"
seed = 0
n_samples = None  # common inputs of every comparison (1000; fast: 500)
epochs = None  # Adam epochs per network (1500; fast: 400)
dask_address = None  # address of an existing Dask scheduler, e.g. "tcp://10.0.0.5:8786"
n_workers = 2  # worker processes of the LocalCluster started when dask_address is None
progress = True  # progress bar while the pairs are computed
results_dir = None  # if set: write <results_dir>/zoo.json
""", "parameters")

C(r"""
n_samples = n_samples or (500 if fast else 1000)
epochs = epochs or (400 if fast else 1500)
polish_iter = 100 if fast else 300
results = {"fast": fast, "seed": seed, "n_samples": n_samples}
timings = {}
start = time.perf_counter()
""")

# --------------------------------------------------------------------------- zoo
M(r"""
## The zoo

Every network maps $x \in [0, 1]$ to one output: the input manifold of the whole zoo is the
interval ($n = 1$), so any two members can be compared on the same inputs. (Networks with two
inputs live on a square, a different manifold; they would form a zoo of their own.) The
targets ({py:data}`~netequiv.zoo.ZOO_TARGETS`):
""")

C(r"""
target_rows = [{"name": t.name, "formula": f"${t.formula}$", "turning": t.turning_points,
                "fold": t.fold} for t in zoo.ZOO_TARGETS.values()]
display(Markdown(markdown_table(target_rows, {
    "name": "target", "formula": "f(x)", "turning": "turning points",
    "fold": "inputs with equal outputs"})))
""")

M(r"""
Three targets are strictly monotone (the staircase has slopes between 0.2 and 1.8: a
strongly nonlinear but invertible reparametrisation of $x$). $\sin 2\pi x$ and
$\sin^3 2\pi x + 0.2\sin 2\pi x$ fold the interval *identically*: the second is
$g(\sin 2\pi x)$ with $g(s) = s^3 + 0.2 s$ strictly increasing, so the two have the same level
sets. The cosine $c(x) = \cos 2\pi(0.05 + 0.9x)$ and $c + 0.3c^2$ fold identically too
($x \sim 1 - x$), but differently from the sines. (The cosine is taken on $[0.05, 0.95]$ of
its period so that its slope does not vanish at the ends of the interval: a network cannot
reproduce a vanishing end slope without tiny spurious folds.)

Each member is a network trained on one target ({py:func}`~netequiv.zoo.train_zoo`; the
same 400 training inputs as in chapter (a), whose networks the zoo reuses from the cache) and
*one observation* of it: the output, or three units of the last hidden layer. The three units
are drawn at random and kept only when their curve embeds the interval with room to spare —
on a grid, inputs at least 0.1 apart stay at least 0.06 apart in the local metric and the
curve never slows below 20 % of its median speed — which is Whitney's genericity made
concrete.
""")

C(r"""
t0 = time.perf_counter()
members = zoo.train_zoo(zoo.zoo_specs(fast), epochs=epochs, polish_iter=polish_iter,
                        random_state=seed, progress=False)
timings["train_s"] = time.perf_counter() - t0
names = list(members)
member_rows = [{"name": k, "target": m.spec.target, "arch": m.spec.architecture,
                "observed": "output" if m.kind == "output" else f"{m.layer} {m.units.tolist()}",
                "test": m.test_relative_rmse} for k, m in members.items()]
results["members"] = {r["name"]: r for r in member_rows}
display(Markdown(markdown_table(member_rows, {
    "name": "member", "target": "target", "arch": "architecture", "observed": "observed",
    "test": "relative test error"})))
""")

C(r"""
x = np.random.default_rng(seed + 7).uniform(0, 1, n_samples)[:, None]
obs = zoo.observe_zoo(members, x)
gt = zoo.ground_truth(members)
class_names = zoo.describe_classes(members, gt.labels)
worst_test = max(m.test_relative_rmse for m in members.values())
glue("n_members", len(names), display=False)
glue("worst_test", worst_test, display=False)
glue("fig_members", pz.plot_members(x, {k: v[0] for k, v in obs.items()}, gt.labels,
                                    class_names=class_names), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_members
:name: fig-zoo-members

The {glue:text}`n_members` members of the zoo: each one's observation against the input
(standardised; three lines for three observed neurons), grouped and coloured by ground-truth
class (next section).
```

Every network learned its target to a relative test error of at most
{glue:text}`worst_test:.1e` ({numref}`fig-zoo-members`).
""")

# --------------------------------------------------------------------------- ground truth
M(r"""
## Ground truth from the theory

Two observations of the interval are **equivalent** when each is a smooth function of the
other on the interval; a **one-way** relation ($y^B = h(y^A)$ but not conversely) is *not*
equivalence. Each member's observation has a known *signature* $s(x)$ with the same level
sets: the target function for an output (the network learned it up to its test error), and
$x$ itself for three neurons that embed the interval (checked above). $s_B$ is a Lipschitz
function of $s_A$ exactly when

$$
L(B \mid A) = \sup_{x \neq x'} \frac{|s_B(x) - s_B(x')| / \operatorname{range} s_B}
{|s_A(x) - s_A(x')| / \operatorname{range} s_A} < \infty
$$ (eq-zoo-lip)

({py:func}`~netequiv.zoo.function_ratio`). On a grid of spacing $h$ a function shows its
Lipschitz constant; a non-function shows ratios of order $1/h$, because two inputs with almost
the same $s_A$ have different $s_B$ — either on two branches of a fold, or on one branch next
to a turning point of $s_A$ that $s_B$ does not share. {py:func}`~netequiv.zoo.ground_truth`
evaluates {eq}`eq-zoo-lip` for every ordered pair on 20 001 grid points.
""")

C(r"""
iu = np.triu_indices(len(names), 1)
rel_counts = {r: int(np.sum(gt.relation[iu] == r)) for r in ("equivalent", "one-way", "unrelated")}
results["ground_truth"] = {"labels": gt.labels.tolist(), "n_classes": gt.n_classes,
                           "relations": rel_counts,
                           "largest_function_ratio": gt.largest_function_ratio,
                           "smallest_nonfunction_ratio": gt.smallest_nonfunction_ratio}
for key in ("largest_function_ratio", "smallest_nonfunction_ratio"):
    glue(key, getattr(gt, key), display=False)
for key, value in rel_counts.items():
    glue(f"rel_{key.replace('-', '_')}", value, display=False)
glue("n_classes", gt.n_classes, display=False)
glue("n_pairs", len(iu[0]), display=False)
""", "hide-input")

C(r"""
class_rows = [{"class": k, "meaning": class_names[k],
               "members": ", ".join(n for n, l in zip(names, gt.labels) if l == k)}
              for k in range(gt.n_classes)]
display(Markdown(markdown_table(class_rows, {"class": "class", "meaning": "observations that",
                                             "members": "members"})))
glue("fig_relation", pz.plot_relation(gt.function_of, names, gt.labels), display=False)
""")

M(r"""
```{glue:figure} fig_relation
:name: fig-zoo-relation

Ground truth of every ordered pair (rows A, columns B, grouped by class): equivalent
(green), one-way (orange: B is a function of A; light: A is a function of B) or unrelated
(grey).
```

Functions have Lipschitz ratios of at most {glue:text}`largest_function_ratio:.1f`,
non-functions at least {glue:text}`smallest_nonfunction_ratio:.1e`; the threshold 100 sits in
this gap. The {glue:text}`n_pairs` unordered pairs split into
{glue:text}`rel_equivalent` equivalent, {glue:text}`rel_one_way` one-way and
{glue:text}`rel_unrelated` unrelated ones, in {glue:text}`n_classes` classes
({numref}`fig-zoo-relation`):

- **Everything that embeds the interval is one class**: monotone outputs (of *different*
  functions) and three generic neurons of any network — also of networks that learned a
  nonmonotonic function. Each is a chart of $[0, 1]$, so each is a smooth invertible function
  of every other.
- **A nonmonotonic output is equivalent only to outputs that fold the same way.** Against an
  embedding it is one-way (it is a function of the input, not conversely); against an output
  that folds differently (sine against cosine) it is unrelated.
""")

# --------------------------------------------------------------------------- fast path
M(r"""
## One diffusion map per member, one fit per pair

{py:func}`~netequiv.compare_observations` computes *both* networks' intrinsic coordinates
(a Mahalanobis diffusion map of each network's observations alone) and then fits $G_B$ and
$G_A$. With all members observed on the same inputs and the same seed, the training/test
split and every derived seed are the same in every pair, so a member's coordinates — and
their Nyström extension to the test samples — are the same in all pairs it takes part in.
{py:func}`~netequiv.zoo.prepare_member` computes them once per member, and
{py:func}`~netequiv.zoo.pair_scores` does only what depends on the pair: the kernel ridge fit
of one direction, its held-out error

$$
E_{AB} = \max_k \operatorname{NRMSE}_k\bigl(y^B_{\text{test}}, G_B(\Phi_A(y^A_{\text{test}}))\bigr),
$$ (eq-zoo-err)

the agreement of the two coordinate sets (a diagnostic), and the baseline scores. The verdict
for $\{A, B\}$ is the rule of {py:func}`~netequiv.compare_observations`: $E_{AB} < 0.05$ and
$E_{BA} < 0.05$, i.e. each observation is reproduced from the other on held-out samples
({py:func}`~netequiv.zoo.verdict_matrix`). It is the *same computation*, not an
approximation, as the check below shows on two pairs.
""")

C(r"""
prep = [zoo.prepare_member(*obs[k], random_state=seed) for k in names]
check = []
for a, b in (("monotone/out/a", "logistic/out/a"), ("sine/out/a", "monotone/out/a")):
    i, j = names.index(a), names.index(b)
    ref = compare_observations(obs[a][0], obs[b][0], metric_a=obs[a][1], metric_b=obs[b][1],
                               random_state=seed)
    fwd, bwd = zoo.pair_scores(prep[i], prep[j]), zoo.pair_scores(prep[j], prep[i])
    check.append({"pair": f"{a} / {b}", "ref_fwd": ref.forward_error["max_nrmse"],
                  "fast_fwd": fwd["max_nrmse"], "ref_bwd": ref.backward_error["max_nrmse"],
                  "fast_bwd": bwd["max_nrmse"], "ref_eq": ref.equivalent,
                  "fast_eq": zoo.pair_verdict(fwd, bwd)})
""")

C(r"""
diff = max(abs(r["ref_fwd"] - r["fast_fwd"]) + abs(r["ref_bwd"] - r["fast_bwd"]) for r in check)
results["fast_path_check"] = {"max_abs_difference": diff,
                              "same_verdicts": all(r["ref_eq"] == r["fast_eq"] for r in check)}
glue("check_diff", diff, display=False)
display(Markdown(markdown_table(check, {
    "pair": "pair", "ref_fwd": "compare_observations A->B", "fast_fwd": "fast path A->B",
    "ref_bwd": "compare_observations B->A", "fast_bwd": "fast path B->A",
    "ref_eq": "verdict", "fast_eq": "fast verdict"}, float_format=".6e")))
""")

M(r"""
The two routes agree to {glue:text}`check_diff:.1e` and give the same verdicts. The saving: $m$
diffusion maps instead of $m(m - 1)$; what remains per pair is one kernel ridge fit with its
hyper-parameter search.
""")

# --------------------------------------------------------------------------- dask
M(r"""
## All pairs on a Dask cluster

{py:func}`~netequiv.zoo.evaluate_zoo` sends every ordered pair to
{py:func}`~netequiv.run_pairs`: each prepared member travels to the cluster once, the pairs
are scheduled on free workers and their rows arrive as they finish (the progress bar below).
By default a `LocalCluster` with `n_workers` processes is started; set `dask_address` in the
parameters cell to use an existing cluster instead. A pair whose computation raises is
retried once and then *reported* as an error row; it never stops the others.
""")

C(r"""
client = zoo.open_client(dask_address, n_workers=n_workers)
t0 = time.perf_counter()
rows = zoo.evaluate_zoo(prep, client=client, progress=progress)
timings["pairs_s"] = time.perf_counter() - t0
failed = [r for r in rows if "error" in r]
results["pairs"] = {"n_pairs": len(rows), "n_failed": len(failed),
                    "seconds_per_pair": float(np.median([r["seconds"] for r in rows]))}
results["pairs"]
""")

M(r"""
What a failure looks like: a member prepared on other samples (the first 100 only) cannot be
paired with the others; its pairs raise in {py:func}`~netequiv.zoo.pair_scores`, are retried
once, and come back as error rows next to the successful ones.
""")

C(r"""
broken = zoo.prepare_member(obs[names[0]][0][:100], obs[names[0]][1][:100], random_state=seed)
demo = zoo.evaluate_zoo(prep[:2] + [broken], pairs=[(0, 1), (2, 0)], client=client, progress=False)
client.close()
demo_rows = [{"pair": f"({r['i']}, {r['j']})", "attempts": r["attempts"],
              "outcome": r.get("error", f"max NRMSE {r.get('result', {}).get('max_nrmse', 0):.1e}")}
             for r in demo]
results["failure_demo"] = [{"attempts": r["attempts"], "failed": "error" in r} for r in demo]
display(Markdown(markdown_table(demo_rows, {"pair": "pair", "attempts": "attempts",
                                            "outcome": "outcome"})))
""")

# --------------------------------------------------------------------------- classes
M(r"""
## Verdicts and equivalence classes

{numref}`fig-zoo-errors` shows $E_{AB}$ for every ordered pair. The classes found by the
method are the connected components of the graph whose edges are the pairs judged
equivalent ({py:func}`~netequiv.zoo.recover_classes`); the confusion table compares them with
the ground truth.
""")

C(r"""
mats = zoo.score_matrices(rows, len(names))
verdicts = zoo.verdict_matrix(mats["max_nrmse"])
found = zoo.recover_classes(verdicts)
pc = zoo.pair_confusion(gt.equivalent, verdicts)
recovered = zoo.same_partition(gt.labels, found)
results["classes"] = {"true": gt.labels.tolist(), "found": found.tolist(), "recovered": recovered,
                      **pc}
pc
""")

C(r"""
conf = zoo.class_confusion(gt.labels, found)
conf_rows = [{"class": f"{k}: {class_names[k]}",
              **{f"f{c}": int(conf[k, c]) for c in range(conf.shape[1])}} for k in range(len(conf))]
display(Markdown(markdown_table(conf_rows, {"class": "true class \\ found class",
                                            **{f"f{c}": str(c) for c in range(conf.shape[1])}})))
for key in ("tp", "fp", "fn", "tn", "false_positive_rate", "false_negative_rate"):
    glue(f"pc_{key}", pc[key], display=False)
glue("n_found", int(found.max()) + 1, display=False)
glue("recovered", "exactly" if recovered else "not exactly", display=False)
""")

C(r"""
E = mats["max_nrmse"]
off = ~np.eye(len(names), dtype=bool)
ok_pairs = E[off & (gt.function_of)]
bad_pairs = E[off & ~gt.function_of]
results["errors"] = {"largest_function_error": float(np.nanmax(ok_pairs)),
                     "smallest_nonfunction_error": float(np.nanmin(bad_pairs))}
for key, value in results["errors"].items():
    glue(key, value, display=False)
glue("fig_errors", pz.plot_error_matrix(E, names, gt.labels, verdicts=verdicts), display=False)
glue("fig_graph", pz.plot_class_graph(names, gt.labels, verdicts, kinds=[m.kind for m in members.values()],
                                      found_labels=found, class_names=class_names), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_errors
:name: fig-zoo-errors

Held-out error $E_{AB}$ {eq}`eq-zoo-err` of $T$ from the member of each row to the member of
each column, grouped by ground-truth class (black lines); white dots: pairs judged
equivalent. The cyan mark on the colour bar is the threshold 0.05.
```

```{glue:figure} fig_graph
:name: fig-zoo-graph

The class graph: members grouped and coloured by ground-truth class (triangles: three neurons
observed; circles: the output), an edge for every pair judged equivalent (a thick black edge
would join two classes). In brackets: the class found from the verdicts.
```

Where the ground truth says "B is a function of A", the largest error is
{glue:text}`largest_function_error:.1e`; where it says "not a function", the smallest is
{glue:text}`smallest_nonfunction_error:.2f` ({numref}`fig-zoo-errors`). The classes are
recovered **{glue:text}`recovered`** ({glue:text}`n_found` components,
{numref}`fig-zoo-graph`): of the unordered pairs, {glue:text}`pc_tp` equivalent pairs are judged
equivalent and {glue:text}`pc_fn` are missed; {glue:text}`pc_fp` of the non-equivalent pairs
are judged equivalent — a false-positive rate of {glue:text}`pc_false_positive_rate:.3f`.
One-way pairs show up as asymmetric blocks: the rows of the embedding class predict the
folded outputs well, the folded outputs cannot predict the embeddings.
""")

# --------------------------------------------------------------------------- baselines
M(r"""
## The same pairs through similarity scores

Every pair was also scored with the usual measures of representation similarity
({py:mod}`netequiv.baselines`): linear and RBF CKA {cite}`kornblith2019similarity`, SVCCA
{cite}`raghu2017svcca`, the orthogonal Procrustes distance, the held-out $R^2$ of an affine
stitching map, and the overlap of $k = 10$ nearest neighbours. For a directional score
(stitching) a pair gets the smaller of its two directions ("works both ways"), the analogue
of the verdict ({py:func}`~netequiv.zoo.symmetric_score`). A score can only be used to find
equivalence classes if *some* threshold separates equivalent from non-equivalent pairs;
{py:func}`~netequiv.zoo.score_separation` measures that by the AUC (1: a separating threshold
exists) and the fewest misclassified pairs over all thresholds.
""")

C(r"""
score_titles = {"max_nrmse": "this method: −max NRMSE (both ways)", "linear_cka": "linear CKA",
                "rbf_cka": "RBF CKA", "svcca": "SVCCA", "procrustes": "−Procrustes distance",
                "stitching_r2": "stitching $R^2$ (both ways)", "knn_overlap": "10-NN overlap"}
sims = {k: zoo.symmetric_score(mats[k], k) for k in score_titles}
sep = {k: zoo.score_separation(S, gt.equivalent) for k, S in sims.items()}
results["separation"] = sep
sep_rows = [{"score": score_titles[k], **v} for k, v in sep.items()]
display(Markdown(markdown_table(sep_rows, {"score": "score", "auc": "AUC", "best_errors":
                                           "fewest wrong pairs", "overlap": "overlapping pairs"},
                                float_format=".3f")))
""")

C(r"""
for k, v in sep.items():
    glue(f"auc_{k}", v["auc"], display=False)
    glue(f"err_{k}", v["best_errors"], display=False)
glue("fig_scores", pz.plot_score_matrices({k: mats[k] for k in zoo.SCORES}, names, gt.labels,
                                          titles=score_titles), display=False)
glue("fig_strips", pz.plot_score_strips(sims, gt.relation, titles=score_titles), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_scores
:name: fig-zoo-scores

Every baseline score for every ordered pair, members in the order and grouping of
{numref}`fig-zoo-errors` (Procrustes: a distance, small = similar).
```

```{glue:figure} fig_strips
:name: fig-zoo-strips

Each unordered pair's similarity, split by its true relation. A score that could recover the
classes would put every green point above every orange and grey one.
```

The method's own error separates the pairs perfectly (AUC {glue:text}`auc_max_nrmse:.2f`).
Linear CKA reaches an AUC of {glue:text}`auc_linear_cka:.2f` and misclassifies at least
{glue:text}`err_linear_cka` pairs at its best threshold; SVCCA {glue:text}`auc_svcca:.2f`
({glue:text}`err_svcca` pairs), the Procrustes distance {glue:text}`auc_procrustes:.2f`
({glue:text}`err_procrustes`), stitching {glue:text}`auc_stitching_r2:.2f`
({glue:text}`err_stitching_r2`), RBF CKA {glue:text}`auc_rbf_cka:.2f`
({glue:text}`err_rbf_cka`) and the neighbour overlap {glue:text}`auc_knn_overlap:.2f`
({glue:text}`err_knn_overlap`) ({numref}`fig-zoo-strips`).
""")

# --------------------------------------------------------------------------- misleading
M(r"""
## Where the scores mislead, and why

{py:func}`~netequiv.zoo.misleading_cases` lists, for each score, the non-equivalent pair it
rates *most* similar and the equivalent pair it rates *least* similar; "rank" is the
percentile of the score among all pairs (1: the most similar pair of the zoo).
""")

C(r"""
cases = zoo.misleading_cases({k: sims[k] for k in zoo.SCORES}, gt, n_cases=1)
for c in cases:
    i, j = names.index(c["a"]), names.index(c["b"])
    c["errors"] = f"{mats['max_nrmse'][i, j]:.1e} / {mats['max_nrmse'][j, i]:.1e}"
    c["score"] = score_titles[c["score"]]
results["misleading"] = cases
display(Markdown(markdown_table(cases, {
    "score": "score", "kind": "case", "a": "A", "b": "B", "relation": "true relation",
    "raw": "score value", "rank": "rank", "errors": "E_AB / E_BA"}, float_format=".2f")))
""")

C(r"""
top = {c["kind"]: c for c in cases if c["score"] == "linear CKA"}
hi, lo = top["high, not equivalent"], top["low, equivalent"]
for tag, c in (("hi", hi), ("lo", lo)):
    for key in ("a", "b", "relation"):
        glue(f"{tag}_{key}", c[key], display=False)
    glue(f"{tag}_raw", c["raw"], display=False)
    glue(f"{tag}_errors", c["errors"], display=False)
shown = [dict(hi, title=f"linear CKA {hi['raw']:.2f}: not equivalent"),
         dict(lo, title=f"linear CKA {lo['raw']:.2f}: equivalent")]
glue("fig_cases", pz.plot_cases(x, {k: v[0] for k, v in obs.items()}, shown, ncols=2),
     display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_cases
:name: fig-zoo-cases

The two observations of linear CKA's most misleading pairs against the input (standardised).
Left: a pair that is *not* equivalent but scores high. Right: an equivalent pair that scores
low.
```

**High scores for non-equivalent pairs.** Linear CKA rates {glue:text}`hi_a` and
{glue:text}`hi_b` at {glue:text}`hi_raw:.2f` although the pair is {glue:text}`hi_relation`
(errors {glue:text}`hi_errors` for $T$ and $T^{-1}$; {numref}`fig-zoo-cases`, left). CKA,
SVCCA and Procrustes compare the two observations through *linear* relations or Gram matrices
of the whole sample: two curves that follow each other closely over most of the interval
score high, whatever happens near a turning point. But equivalence is decided exactly there —
a fold identifies two inputs, and whether the other observation tells them apart is a
statement about a few samples near the fold, which a global correlation weighs with a few
samples' worth. A one-way pair (a folded output against an embedding of the same task) is the
typical false friend: one observation *is* a smooth function of the other, and a linear
score sees mainly that.

**Low scores for equivalent pairs.** {glue:text}`lo_a` and {glue:text}`lo_b` are equivalent
(errors {glue:text}`lo_errors`) but score only {glue:text}`lo_raw:.2f`
({numref}`fig-zoo-cases`, right): they are related by a strongly nonlinear, invertible
reparametrisation, and the linear part of that relation explains only part of the variance.
Every score built on linear maps or on the Gram matrix is invariant to rotations and scalings
at most, not to smooth invertible maps — the invariance that equivalence in the paper's sense
asks for. Kernel and neighbourhood scores (RBF CKA, $k$-NN overlap) are local and fare better
on this zoo, but they still return a number that must be thresholded, with no map to test and
no statement about the direction of a failure; the method's verdict comes with $T$, $T^{-1}$
and held-out errors in both directions.
""")

C(r"""
timings["total_s"] = time.perf_counter() - start
results["timings"] = timings
if results_dir is not None:
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    Path(results_dir, "zoo.json").write_text(json.dumps(results, indent=2, default=float))
glue("total_min", timings["total_s"] / 60, display=False)
{k: round(v, 1) for k, v in timings.items()}
""")

# --------------------------------------------------------------------------- closing
M(r"""
## Summary

- A zoo of {glue:text}`n_members` networks on one input manifold falls into
  {glue:text}`n_classes` ground-truth classes, derived from the targets by the Lipschitz test
  {eq}`eq-zoo-lip`: everything that embeds the interval (monotone outputs of different
  functions and three generic neurons of any network), and one class per way of folding.
- With intrinsic coordinates computed once per member, all ordered pairs cost one kernel
  ridge fit each; the fast path reproduces {py:func}`~netequiv.compare_observations` to
  {glue:text}`check_diff:.1e`.
- The classes recovered from the verdicts match the ground truth **{glue:text}`recovered`**,
  with a false-positive rate of {glue:text}`pc_false_positive_rate:.3f` on the non-equivalent
  pairs.
- Linear CKA (AUC {glue:text}`auc_linear_cka:.2f`), SVCCA ({glue:text}`auc_svcca:.2f`) and the
  Procrustes distance ({glue:text}`auc_procrustes:.2f`) cannot separate equivalent from
  non-equivalent pairs on this zoo: they rate one-way pairs highly and strongly nonlinear but
  equivalent pairs low.
- The pairwise work runs on Dask (a local cluster or a given address); a failing pair is
  retried and reported, never fatal. This run took {glue:text}`total_min:.1f` minutes.

### What's next?

The same procedure applies to any zoo on a common input manifold: two-input networks on a
square (chapter (b)) would form a zoo of their own, with five neurons as the Whitney count.

## Exercises

```{exercise}
:label: ex-zoo-bump
Add the bump $4x(1-x)$, observed through its output, to the zoo (as a `MemberSpec`) and call
{py:func}`~netequiv.zoo.ground_truth`. Which class does it join? Would it join the class of
$\cos 2\pi x$ (the full period, with zero slope at $x = 0$ and $x = 1$)?
```

```{solution} ex-zoo-bump
:class: dropdown
It joins the cosine class: the bump and $c(x) = \cos 2\pi(0.05 + 0.9x)$ have the same level
sets ($x \sim 1 - x$), both are quadratic at their common turning point $x = 1/2$, and both
have non-zero slopes at the ends, so each is a Lipschitz function of the other. Against
$\cos 2\pi x$ it would not: near $x = 0$ the cosine changes like $x^2$ and the bump like $x$,
so the bump as a function of the cosine behaves like a square root there and
{py:func}`~netequiv.zoo.function_ratio` grows without bound as the grid is refined — the
same level sets, but no *smooth* map: not equivalent.
```

```{exercise}
:label: ex-zoo-threshold
Pick the threshold at which linear CKA misclassifies the fewest pairs
(`sep["linear_cka"]["best_threshold"]`) and build classes from "CKA above the threshold" as
connected components. How many classes do you get?
```

```{solution} ex-zoo-threshold
:class: dropdown
`V = sims["linear_cka"] >= sep["linear_cka"]["best_threshold"]`, then
`np.fill_diagonal(V, True)` and `zoo.recover_classes(V)`. The misclassified pairs include
one-way pairs between the embedding class and the folded outputs; each such edge merges two
classes, so the components no longer match the ground truth.
```

## References

- {cite:t}`bertalan2024transformations`: transformations between networks through intrinsic
  coordinates; equivalence as "functions of each other on the input manifold".
- {cite:t}`kornblith2019similarity`: centred kernel alignment.
- {cite:t}`raghu2017svcca`: SVCCA.
- {cite:t}`whitney1936differentiable`: $2n + 1$ generic measurements embed an $n$-manifold.
""")

write(cells, OUT)
