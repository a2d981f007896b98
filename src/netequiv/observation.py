"""Observations of torch networks, their exact Jacobians, and black-box bursts.

A network is *observed* through a chosen set of features: the activations of some
of its neurons and/or its outputs, evaluated on input samples :math:`x_i`.  The
Mahalanobis-like diffusion map needs, besides the observations :math:`y_i`, the
local metric of the observation map :math:`y = f(x)`; it comes either from the
exact Jacobians :math:`J_i = \\partial f / \\partial x (x_i)` (:func:`observe` with
``jacobian=True``, :func:`jacobian`) or, when the network can only be evaluated,
from small bursts of evaluations around each sample (:func:`burst_observations`).
"""

from __future__ import annotations

import copy
import warnings
from contextlib import contextmanager
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import jacfwd, jacrev, vmap

from ._validation import as_2d_float, check_positive, check_random_state

__all__ = ["Observation", "observe", "jacobian", "burst_observations"]

_DTYPES = {
    "float64": torch.float64,
    "double": torch.float64,
    "float32": torch.float32,
    "float": torch.float32,
}


@dataclass
class Observation:
    """Observed features of a network on a set of inputs.

    Attributes
    ----------
    y : ndarray of shape (N, d)
        The observed features, one row per input sample.
    jac : ndarray of shape (N, d, n) or None
        The exact Jacobians :math:`\\partial y / \\partial x` (``None`` when they were
        not requested).
    names : list of str
        One label per feature, e.g. ``"act2[5]"`` (unit 5 of module ``act2``) or
        ``"output[0]"``.
    """

    y: np.ndarray
    jac: np.ndarray | None = None
    names: list[str] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        """Number of observed input samples ``N``."""
        return int(self.y.shape[0])

    @property
    def n_features(self) -> int:
        """Number of observed features ``d``."""
        return int(self.y.shape[1])


# --------------------------------------------------------------------------- helpers


def _torch_dtype(dtype) -> torch.dtype:
    if isinstance(dtype, torch.dtype) and dtype in (torch.float32, torch.float64):
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    if dtype in (np.float64, np.float32):
        return torch.float64 if dtype is np.float64 else torch.float32
    raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}.")


def _check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return int(batch_size)


def _check_module(model) -> None:
    if not isinstance(model, torch.nn.Module):
        raise ValueError(
            f"model must be a torch.nn.Module, got {type(model).__name__}; for a plain callable use "
            "netequiv.jacobian(func, x) or netequiv.burst_observations(func, x)."
        )


def _model_copy(model: torch.nn.Module, dtype: torch.dtype) -> torch.nn.Module:
    """A detached copy in ``dtype`` and eval mode; the caller's model is never touched."""
    clone = copy.deepcopy(model).to(dtype=dtype)
    clone.eval()
    for p in clone.parameters():
        p.requires_grad_(False)
    return clone


def _expected_in_features(model: torch.nn.Module) -> int | None:
    for mod in model.modules():
        if isinstance(mod, torch.nn.Linear):
            return int(mod.in_features)
    return None


def _as_matrix(out, what: str, n_rows: int) -> torch.Tensor:
    """Flatten a batched output tensor to (n_rows, -1)."""
    if not isinstance(out, torch.Tensor):
        raise ValueError(f"{what} must return a torch.Tensor, got {type(out).__name__}.")
    if out.ndim == 0 or out.shape[0] != n_rows:
        raise ValueError(
            f"{what} must return one row per input sample: got shape {tuple(out.shape)} for {n_rows} samples."
        )
    return out.reshape(n_rows, -1)


def _normalise_layers(model: torch.nn.Module, layers) -> list[tuple[str, list[int] | None]]:
    """``layers`` as a list of (module name, indices or None), names checked."""
    if layers is None:
        return []
    if isinstance(layers, str):
        layers = [layers]
    if isinstance(layers, Mapping):
        items = list(layers.items())
    elif isinstance(layers, Sequence):
        items = [(name, None) for name in layers]
    else:
        raise ValueError(
            "layers must be None, a list of module names or a dict {module name: unit indices or None}, "
            f"got {type(layers).__name__}."
        )
    valid = [name for name, _ in model.named_modules() if name]
    out = []
    for name, idx in items:
        if not isinstance(name, str) or name not in valid:
            raise ValueError(
                f"unknown layer {name!r}; valid module names of this model are: {', '.join(valid) or '(none)'}."
            )
        if idx is not None:
            arr = np.asarray(idx)
            if arr.ndim == 0:
                arr = arr[None]
            if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
                raise ValueError(
                    f"unit indices for layer {name!r} must be a 1-D list of integers or None, got {idx!r}."
                )
            idx = [int(i) for i in arr]
        out.append((name, idx))
    return out


class _Capture:
    """Forward hooks that record the output of selected modules during one forward pass."""

    def __init__(self, model: torch.nn.Module, names: list[str]):
        self.store: dict[str, list] = {name: [] for name in names}
        modules = dict(model.named_modules())
        self.handles = [modules[name].register_forward_hook(self._hook(name)) for name in dict.fromkeys(names)]

    def _hook(self, name):
        def hook(module, inputs, output):
            self.store[name].append(output)

        return hook

    def pop(self, name: str):
        calls = self.store[name]
        if len(calls) == 0:
            raise ValueError(
                f"layer {name!r} is not called during the forward pass of this model; choose a module that is."
            )
        if len(calls) > 1:
            raise ValueError(
                f"layer {name!r} is called {len(calls)} times in one forward pass, so its activation is "
                "ambiguous; observe a module that is used once."
            )
        out = calls[0]
        if not isinstance(out, torch.Tensor):
            raise ValueError(f"layer {name!r} returns {type(out).__name__}, not a tensor; it cannot be observed.")
        return out

    def clear(self) -> None:
        for calls in self.store.values():
            calls.clear()

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


@contextmanager
def _quiet_jvp_setup():
    """Silence torch's own deprecation notice raised when forward-mode AD first loads.

    The first ``jacfwd`` of a process scripts a few internal decompositions with
    ``torch.jit.script``, which recent torch versions flag as deprecated; the
    notice concerns torch internals, not the caller's code.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*deprecated", category=DeprecationWarning)
        yield


def _pick_jac(n_in: int, n_out: int):
    """Forward mode pushes ``n`` tangents, reverse mode pulls ``d`` cotangents: take the fewer."""
    return jacfwd if n_in < n_out else jacrev


# --------------------------------------------------------------------------- observe


def observe(
    model,
    x,
    *,
    layers=None,
    output: bool = True,
    jacobian: bool = False,
    dtype="float64",
    batch_size: int = 8192,
) -> Observation:
    """Observe selected neurons and/or the outputs of a torch network on inputs ``x``.

    Parameters
    ----------
    model : torch.nn.Module
        The network; it maps a batch of shape (B, n) to outputs of shape (B, ...).
        It is not modified: a deep copy in ``dtype`` and eval mode is evaluated.
    x : array-like of shape (N, n) or (N,)
        Input samples; a 1-D array is read as N samples of a scalar input.
    layers : None, list of str, or dict {str: indices or None}, default=None
        Modules whose outputs are observed, by their names in
        ``model.named_modules()`` (e.g. ``"act2"`` for the second hidden layer of
        :func:`netequiv.nets.mlp`).  With a dict, the value selects units of the
        flattened per-sample activation (``None``: all units).  Features are
        concatenated in the order given.
    output : bool, default=True
        Append the (flattened) model output after the layer features.
    jacobian : bool, default=False
        Also return the exact Jacobians :math:`\\partial y / \\partial x`, by
        automatic differentiation (``torch.func``).
    dtype : {"float64", "float32"}, default="float64"
        Precision of the evaluation and of the returned arrays.
    batch_size : int, default=8192
        Number of samples evaluated (and differentiated) at once.

    Returns
    -------
    Observation
        ``y`` of shape (N, d), ``jac`` of shape (N, d, n) or ``None``, and ``names``
        (d labels such as ``"act2[5]"`` or ``"output[0]"``).

    Raises
    ------
    ValueError
        ``"model must be a torch.nn.Module ..."`` for any other object;
        ``"x must have shape (n_samples, n_features) ..."``, ``"x contains NaN or inf ..."``
        for bad inputs; ``"x has n features but the model expects m ..."`` (or
        ``"... the model could not be evaluated on it ..."``) when the input dimension
        does not fit the model; ``"unknown layer ...; valid module names ..."``;
        ``"unit index i is out of range for layer ... with k units"``; ``"no
        features selected ..."`` when ``layers`` selects nothing and
        ``output=False``; ``"layer ... is not called during the forward pass"`` or
        ``"... is called k times ..."`` for modules that cannot be observed;
        ``"batch_size must be a positive integer"``; ``"dtype must be ..."``.

    Notes
    -----
    Let :math:`f: \\mathbb{R}^n \\to \\mathbb{R}^d` be the map from an input to the
    selected features.  The Jacobian of sample :math:`i` is

    .. math:: J_i = \\frac{\\partial f}{\\partial x}(x_i) \\in \\mathbb{R}^{d \\times n},
       \\qquad (J_i)_{ab} = \\frac{\\partial f_a}{\\partial x_b}(x_i).

    Each sample is evaluated as a batch of one inside ``torch.func.vmap``; forward
    mode (``jacfwd``, one tangent per input coordinate) is used when
    :math:`n < d` — the usual case of one or two inputs and many observed neurons —
    and reverse mode (``jacrev``) otherwise.  Activations are captured by forward
    hooks, which run inside the functional transforms, so the network does not
    have to be rewritten.  The metric used by the diffusion map is
    :math:`J_i J_i^\\top` (or its pseudo-inverse), see
    :func:`netequiv.metric_from_jacobians`.

    The model is evaluated in eval mode (dropout off, batch-norm running
    statistics), so the observations are a deterministic function of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from netequiv.nets import mlp
    >>> net = mlp(1, 1, hidden=(8, 8))
    >>> obs = observe(net, np.linspace(0, 1, 5), layers={"act2": [0, 3]}, jacobian=True)
    >>> obs.y.shape, obs.jac.shape, obs.names
    ((5, 3), (5, 3, 1), ['act2[0]', 'act2[3]', 'output[0]'])
    """
    _check_module(model)
    tdtype = _torch_dtype(dtype)
    batch_size = _check_batch_size(batch_size)
    x = as_2d_float(x, "x")
    N, n = x.shape
    layer_spec = _normalise_layers(model, layers)
    if not layer_spec and not output:
        raise ValueError("no features selected: pass layers=[...] and/or output=True.")

    net = _model_copy(model, tdtype)
    capture = _Capture(net, [name for name, _ in layer_spec])
    try:
        # one trial sample: checks the input dimension and finds the layer widths
        x0 = torch.as_tensor(x[:1], dtype=tdtype)
        try:
            with torch.no_grad():
                out0 = net(x0)
        except Exception as exc:  # shape mismatches surface as RuntimeError from torch
            expected = _expected_in_features(net)
            if expected is not None and expected != n:
                raise ValueError(
                    f"x has {n} features but the model expects {expected} inputs; pass x of shape (N, {expected})."
                ) from None
            raise ValueError(
                f"x has {n} features but the model could not be evaluated on it ({type(exc).__name__}: {exc})."
            ) from None
        out0 = _as_matrix(out0, "model", 1)
        index_tensors: list[torch.Tensor | None] = []
        names: list[str] = []
        for name, idx in layer_spec:
            width = int(capture.pop(name).reshape(1, -1).shape[1])
            if idx is None:
                idx = list(range(width))
                index_tensors.append(None)
            else:
                for i in idx:
                    if not -width <= i < width:
                        raise ValueError(
                            f"unit index {i} is out of range for layer {name!r} with {width} units "
                            f"(valid: 0..{width - 1})."
                        )
                idx = [i % width for i in idx]
                index_tensors.append(torch.as_tensor(idx, dtype=torch.long))
            names.extend(f"{name}[{i}]" for i in idx)
        capture.clear()
        if output:
            names.extend(f"output[{j}]" for j in range(out0.shape[1]))
        d = len(names)
        if d == 0:
            raise ValueError("no features selected: the chosen layer indices are empty and output=False.")

        def features(xb: torch.Tensor, nrows: int) -> torch.Tensor:
            capture.clear()
            out = net(xb)
            parts = []
            for (name, _), sel in zip(layer_spec, index_tensors):
                act = capture.pop(name).reshape(nrows, -1)
                parts.append(act if sel is None else act[:, sel])
            if output:
                parts.append(out.reshape(nrows, -1))
            capture.clear()
            return torch.cat(parts, dim=1)

        y_out = np.empty((N, d), dtype=x0.numpy().dtype)
        jac_out = np.empty((N, d, n), dtype=y_out.dtype) if jacobian else None
        xt = torch.as_tensor(x, dtype=tdtype)
        if jacobian:

            def single(xi: torch.Tensor):
                f = features(xi.unsqueeze(0), 1)[0]
                return f, f

            jac_fn = vmap(_pick_jac(n, d)(single, has_aux=True))
        for start in range(0, N, batch_size):
            xb = xt[start : start + batch_size]
            if jacobian:
                with _quiet_jvp_setup():
                    J, Y = jac_fn(xb)
                jac_out[start : start + len(xb)] = J.numpy()
            else:
                with torch.no_grad():
                    Y = features(xb, len(xb))
            y_out[start : start + len(xb)] = Y.numpy()
    finally:
        capture.remove()
    return Observation(y=y_out, jac=jac_out, names=names)


# --------------------------------------------------------------------------- jacobian


def jacobian(func: Callable, x, *, dtype="float64", batch_size: int = 8192) -> np.ndarray:
    """Exact Jacobians of a torch callable at each input sample.

    Parameters
    ----------
    func : callable
        A torch function or module mapping a batch of shape (B, n) to a tensor of
        shape (B, d) (or (B,), read as d = 1).  It is applied to one sample at a
        time (as a batch of one) under ``torch.func.vmap``, so it must be written
        with torch operations.  A module is evaluated as a deep copy in ``dtype``
        and eval mode.
    x : array-like of shape (N, n) or (N,)
        Input samples.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the evaluation.
    batch_size : int, default=8192
        Number of samples differentiated at once.

    Returns
    -------
    ndarray of shape (N, d, n)
        ``J[i, a, b] = d func_a / d x_b`` at ``x[i]``.

    Raises
    ------
    ValueError
        ``"func must be callable ..."``; ``"x ..."`` for non-finite or badly shaped
        inputs; ``"func could not be evaluated on x ..."`` when the input dimension
        does not fit; ``"func must return a torch.Tensor ..."`` or ``"... one row per
        input sample ..."`` for outputs of the wrong kind; ``"batch_size must be a
        positive integer"``; ``"dtype must be ..."``.

    Notes
    -----
    For :math:`f: \\mathbb{R}^n \\to \\mathbb{R}^d` this returns
    :math:`J_i = \\partial f / \\partial x\\,(x_i)`, computed with ``jacfwd`` when
    :math:`n < d` and ``jacrev`` otherwise (see :func:`observe`).  Since every
    sample is evaluated alone, ``func`` must treat samples independently (no
    batch statistics).

    Examples
    --------
    >>> import numpy as np, torch
    >>> J = jacobian(lambda x: torch.stack([x[:, 0] * x[:, 1], x[:, 0] ** 2], dim=1), np.array([[1.0, 2.0]]))
    >>> J[0]
    array([[2., 1.],
           [2., 0.]])
    """
    if not callable(func):
        raise ValueError(f"func must be callable (a torch function or module), got {type(func).__name__}.")
    tdtype = _torch_dtype(dtype)
    batch_size = _check_batch_size(batch_size)
    x = as_2d_float(x, "x")
    N, n = x.shape
    if isinstance(func, torch.nn.Module):
        func = _model_copy(func, tdtype)
    xt = torch.as_tensor(x, dtype=tdtype)
    try:
        with torch.no_grad():
            out0 = func(xt[:1])
    except Exception as exc:
        raise ValueError(
            f"func could not be evaluated on x with {n} features ({type(exc).__name__}: {exc}); "
            "check the input dimension."
        ) from None
    d = int(_as_matrix(out0, "func", 1).shape[1])

    def single(xi: torch.Tensor) -> torch.Tensor:
        return func(xi.unsqueeze(0)).reshape(-1)

    jac_fn = vmap(_pick_jac(n, d)(single))
    out = np.empty((N, d, n), dtype=xt.numpy().dtype)
    for start in range(0, N, batch_size):
        xb = xt[start : start + batch_size]
        with _quiet_jvp_setup():
            out[start : start + len(xb)] = jac_fn(xb).detach().numpy()
    return out


# --------------------------------------------------------------------------- bursts


def burst_observations(
    func: Callable,
    x,
    *,
    n_burst: int = 32,
    sigma: float = 1e-3,
    random_state=0,
    batch_size: int | None = None,
) -> np.ndarray:
    """Evaluate a black-box map on small Gaussian bursts around each input sample.

    Parameters
    ----------
    func : callable or torch.nn.Module
        Maps an array of shape (M, n) to observations of shape (M, d) (or (M,),
        read as d = 1).  A numpy callable receives a float64 ndarray; a torch
        module is evaluated as a float64 deep copy in eval mode under
        ``torch.no_grad()``.
    x : array-like of shape (N, n) or (N,)
        Burst centres.
    n_burst : int, default=32
        Number of evaluations per centre, at least 2.
    sigma : float, default=1e-3
        Standard deviation of the Gaussian perturbations of the inputs.
    random_state : None, int or numpy.random.Generator, default=0
        Seed of the perturbations (``None`` means 0: reruns are identical).
    batch_size : int or None, default=None
        Maximal number of rows per call of ``func``; ``None`` evaluates all
        ``N * n_burst`` perturbed inputs in one call.

    Returns
    -------
    ndarray of shape (N, n_burst, d)
        ``bursts[i, k] = func(x[i] + sigma * z[i, k])`` with :math:`z \\sim N(0, I_n)`.

    Raises
    ------
    ValueError
        ``"func must be callable ..."``; ``"x ..."`` for non-finite or badly shaped
        inputs; ``"n_burst must be an integer >= 2"``; ``"sigma must be a finite
        number > 0"``; ``"func could not be evaluated ..."``; ``"func returned shape
        ... for M inputs ..."`` when the output has the wrong number of rows or
        dimensions; ``"func returned NaN or inf ..."``; ``"batch_size must be a
        positive integer"``.

    Notes
    -----
    With :math:`f(x_i + \\sigma z) = f(x_i) + \\sigma J_i z + \\tfrac{\\sigma^2}{2}
    \\nabla^2 f(x_i)[z, z] + O(\\sigma^3)` and :math:`z \\sim N(0, I_n)`, the odd
    Gaussian moments vanish, so the covariance of a burst is

    .. math:: \\operatorname{Cov}_z\\left[f(x_i + \\sigma z)\\right]
       = \\sigma^2 J_i J_i^\\top + O(\\sigma^4).

    The sample covariance of the ``n_burst`` rows divided by :math:`\\sigma^2`
    therefore estimates :math:`J_i J_i^\\top` without any derivative of ``func``;
    :func:`netequiv.metric_from_bursts` ``(bursts, sigma)`` does exactly that.
    Its statistical error is relative,
    :math:`\\mathbb{E}\\|\\hat C - C\\|_F^2 = ((\\operatorname{tr} C)^2 + \\|C\\|_F^2)/(K-1)`
    for :math:`K` = ``n_burst`` Gaussian samples, i.e. at most
    :math:`\\sqrt{(n+1)/(K-1)}\\,\\|C\\|_F` in root mean square since
    :math:`C = J J^\\top` has rank at most :math:`n`; the bias is
    :math:`O(\\sigma^2)` relative to :math:`\\|C\\|`.  Choose ``sigma`` small
    against the curvature scale of ``func`` but large against its numerical noise.

    Examples
    --------
    >>> import numpy as np
    >>> b = burst_observations(lambda u: np.c_[u[:, 0], 2 * u[:, 0]], np.zeros((3, 1)), n_burst=4000)
    >>> b.shape
    (3, 4000, 2)
    >>> C = np.cov(b[0], rowvar=False) / 1e-3**2           # approx J J^T = [[1, 2], [2, 4]]
    >>> bool(np.allclose(C, [[1, 2], [2, 4]], rtol=0.1))
    True
    """
    if not callable(func):
        raise ValueError(f"func must be callable (a numpy function or torch module), got {type(func).__name__}.")
    x = as_2d_float(x, "x")
    if isinstance(n_burst, bool) or not isinstance(n_burst, (int, np.integer)) or n_burst < 2:
        raise ValueError(f"n_burst must be an integer >= 2 (a covariance needs two samples), got {n_burst!r}.")
    n_burst = int(n_burst)
    sigma = check_positive(sigma, "sigma")
    if batch_size is not None:
        batch_size = _check_batch_size(batch_size)
    rng = check_random_state(random_state)
    N, n = x.shape
    M = N * n_burst
    z = rng.standard_normal((N, n_burst, n))
    pts = (x[:, None, :] + sigma * z).reshape(M, n)

    if isinstance(func, torch.nn.Module):
        net = _model_copy(func, torch.float64)

        def evaluate(block: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                out = net(torch.as_tensor(block, dtype=torch.float64))
            if not isinstance(out, torch.Tensor):
                raise TypeError(f"the module returned {type(out).__name__}, not a tensor")
            return out.numpy()

    else:
        evaluate = func

    step = M if batch_size is None else batch_size
    blocks = []
    for start in range(0, M, step):
        block = pts[start : start + step]
        try:
            out = evaluate(block)
        except Exception as exc:
            raise ValueError(
                f"func could not be evaluated on inputs of shape {block.shape} ({type(exc).__name__}: {exc})."
            ) from None
        out = np.asarray(out, dtype=np.float64)
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim != 2 or out.shape[0] != len(block):
            raise ValueError(
                f"func returned shape {out.shape} for {len(block)} inputs; it must return an array of shape "
                f"({len(block)}, d) or ({len(block)},)."
            )
        blocks.append(out)
    y = np.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
    if not np.isfinite(y).all():
        raise ValueError("func returned NaN or inf on the perturbed inputs; reduce sigma or check func's domain.")
    return np.ascontiguousarray(y.reshape(N, n_burst, -1))
