"""netequiv: when have two networks learned the same task?

An implementation of Bertalan, Dietrich & Kevrekidis, *Transformations between
deep neural networks* (arXiv:2007.05646; Chaos 2024).  Intrinsic,
observation-independent coordinates are computed from each network separately
with a Mahalanobis-like diffusion map; a transformation ``T = G_B o Phi_A`` between
the observations of two networks is then fitted through these coordinates and
judged on held-out samples.

``import netequiv`` is light: numpy and scipy only.  Torch, scikit-learn and
matplotlib are imported the first time a feature that needs them is used.
"""

from importlib import import_module

__version__ = "0.1.0"

# public name -> submodule that defines it (loaded on first access)
_LAZY = {
    # metric.py
    "LocalMetric": "metric",
    "metric_from_jacobians": "metric",
    "metric_from_bursts": "metric",
    "estimate_intrinsic_dim": "metric",
    # _neighbors.py (private module; the radius graph is public)
    "metric_radius_graph": "_neighbors",
    # dmap.py
    "DiffusionMaps": "dmap",
    # selection.py
    "llr_residuals": "selection",
    "select_nonharmonic": "selection",
    "align_embeddings": "selection",
    "AlignResult": "selection",
    # interpolation.py
    "KernelInterpolator": "interpolation",
    # measures.py
    "nrmse": "measures",
    "relative_error": "measures",
    "constant_features": "measures",
    "near_constant_features": "measures",
    "summarize_errors": "measures",
    # comparison.py
    "Comparison": "comparison",
    "compare": "comparison",
    "compare_observations": "comparison",
    "intrinsic_coordinates": "comparison",
    "IntrinsicCoordinates": "comparison",
    "decide": "comparison",
    "ResolutionError": "_validation",
    # observation.py (torch; the module is not named "observe" so that netequiv.observe
    # is always the function, never a submodule that shadows it)
    "observe": "observation",
    "Observation": "observation",
    "jacobian": "observation",
    "burst_observations": "observation",
    "estimate_tangents": "observation",
    # embedding.py
    "choose_neurons": "embedding",
    "embeds_manifold": "embedding",
    "minimal_embedding_subset": "embedding",
    # baselines.py
    "linear_cka": "baselines",
    "rbf_cka": "baselines",
    "svcca": "baselines",
    "procrustes_distance": "baselines",
    "linear_stitching": "baselines",
    "mutual_knn_overlap": "baselines",
    # parallel.py (dask)
    "run_pairs": "parallel",
    "rows_to_matrix": "parallel",
    "all_pairs": "parallel",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'netequiv' has no attribute {name!r}") from None
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
