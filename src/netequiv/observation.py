"""Observations of torch networks, their exact Jacobians, and black-box bursts.

A network is *observed* through a chosen set of features: the activations of some
of its neurons and/or its outputs, evaluated on input samples :math:`x_i`.  The
Mahalanobis-like diffusion map needs, besides the observations :math:`y_i`, the
local metric of the observation map :math:`y = f(x)`; it comes either from the
exact Jacobians :math:`J_i = \\partial f / \\partial x (x_i)` (:func:`observe` with
``jacobian=True``, :func:`jacobian`) or, when the network can only be evaluated,
from small bursts of evaluations around each sample (:func:`burst_observations`).

When the inputs lie on a low-dimensional manifold of a large input space (a curve of
images, say), only the Jacobian along the manifold matters: :func:`observe` and
:func:`jacobian` accept tangent bases :math:`T_i` and return :math:`J_i T_i` without
forming :math:`J_i`, and :func:`estimate_tangents` estimates :math:`T_i` from the
samples by local PCA.
"""

from __future__ import annotations

import copy
import heapq
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import jacfwd, jacrev, vmap

from ._validation import as_2d_float, check_int, check_positive, check_random_state

__all__ = ["Observation", "burst_observations", "estimate_tangents", "jacobian", "observe"]

_DTYPES = {"float64": torch.float64, "double": torch.float64, "float32": torch.float32, "float": torch.float32}


@dataclass
class Observation:
    """Observed features of a network on a set of inputs.

    Attributes
    ----------
    y : ndarray of shape (N, d)
        The observed features, one row per input sample.
    jac : ndarray of shape (N, d, n) or None
        The exact Jacobians :math:`\\partial y / \\partial x` with respect to the
        (flattened) input, ``n`` = number of input coordinates; when tangents were
        given, the restricted Jacobians :math:`J_i T_i`, ``n`` = number of tangent
        directions (``None`` when no Jacobian was requested).
    names : list of str
        One label per feature, e.g. ``"act2[5]"`` (unit 5 of module ``act2``) or
        ``"output[0]"``.
    jacobian_mode : {"forward", "reverse"} or None
        How ``jac`` was computed: ``"forward"`` (``torch.func.jacfwd``) or
        ``"reverse"`` (``torch.func.jacrev``; also the fallback when the network uses
        an operation without a forward-mode derivative, such as ``grid_sample``);
        ``None`` when no Jacobian was requested.
    """

    y: np.ndarray
    jac: np.ndarray | None = None
    names: list[str] = field(default_factory=list)
    jacobian_mode: str | None = None

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
        raise ValueError(  # noqa: TRY004 (every bad argument raises ValueError)
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
        raise ValueError(  # noqa: TRY004 (every bad argument raises ValueError)
            f"{what} must return a torch.Tensor, got {type(out).__name__}."
        )
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
        raise ValueError(  # noqa: TRY004 (every bad argument raises ValueError)
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
            raise ValueError(  # noqa: TRY004 (every bad argument raises ValueError)
                f"layer {name!r} returns {type(out).__name__}, not a tensor; it cannot be observed."
            )
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


_JAC = {"forward": jacfwd, "reverse": jacrev}

# torch's words for an operation (or custom autograd.Function) without a forward-mode
# derivative, e.g. "Trying to use forward AD with grid_sampler_2d that does not support it"
# (NotImplementedError) or "You must implement the jvp function for custom autograd.Function"
_NO_FORWARD_AD = re.compile(r"forward[ -]?(mode )?AD|forward[ -]mode|\bjvp\b", re.IGNORECASE)


def _pick_mode(n_dir: int, n_out: int) -> str:
    """Forward mode pushes ``n`` tangents, reverse mode pulls ``d`` cotangents: take the fewer."""
    return "forward" if n_dir < n_out else "reverse"


def _lacks_forward_ad(exc: BaseException) -> bool:
    """True for torch's error about an operation that has no forward-mode (jvp) derivative."""
    return isinstance(exc, (NotImplementedError, RuntimeError)) and bool(_NO_FORWARD_AD.search(str(exc)))


def _as_inputs(x, name: str = "x") -> np.ndarray:
    """``x`` as a finite float64 array of shape (N, n) (a 1-D ``x`` gives (N, 1)) or (N, *input_shape)."""
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):  # ragged lists: as_2d_float words the error
        return as_2d_float(x, name)
    if arr.ndim <= 2:
        return as_2d_float(arr, name)
    flat = as_2d_float(arr.reshape(arr.shape[0], int(np.prod(arr.shape[1:]))), name)
    return flat.reshape(arr.shape)


def _check_tangents(tangents, x_shape: tuple[int, ...]) -> np.ndarray:
    """Tangent bases as a finite float64 array of shape (N, n_inputs, n), checked against ``x``."""
    N, input_shape = int(x_shape[0]), tuple(int(s) for s in x_shape[1:])
    n_in = int(np.prod(input_shape))
    if len(input_shape) == 1:
        shapes = f"(N, {n_in}, n) = (n_samples, n_inputs, n_directions)"
    else:
        shapes = f"(N, *{input_shape}, n) or (N, {n_in}, n)"
    try:
        T = np.asarray(tangents)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"tangents must be an array of shape {shapes}; {exc}") from None
    if T.dtype == object or not (np.issubdtype(T.dtype, np.number) or T.dtype == bool) or np.iscomplexobj(T):
        raise ValueError(
            f"tangents must hold real numbers, got dtype {T.dtype}; convert it with np.asarray(..., dtype=float)."
        )
    if T.ndim >= 1 and T.shape[0] != N:
        raise ValueError(
            f"tangents has {T.shape[0]} samples but x has {N}; pass one tangent basis per input sample, "
            f"an array of shape {shapes}."
        )
    if T.ndim >= 2 and T.shape[1:] in (input_shape, (n_in,)):
        raise ValueError(
            f"tangents has shape {T.shape}, which lacks the last axis of tangent directions; for one "
            f"direction per sample pass tangents[..., None] (shape {shapes} with n = 1)."
        )
    if T.ndim == len(input_shape) + 2 and T.shape[1:-1] == input_shape:
        T = T.reshape(N, n_in, T.shape[-1])
    if T.ndim != 3 or T.shape[1] != n_in:
        raise ValueError(
            f"tangents must have shape {shapes} for x of shape {tuple(x_shape)}, got {T.shape}; axis 1 "
            f"indexes the {n_in} input coordinates and the last axis the n tangent directions."
        )
    n = T.shape[2]
    if n == 0:
        raise ValueError(f"tangents has shape {T.shape}, i.e. no tangent directions; pass at least one (n >= 1).")
    if n > n_in:
        raise ValueError(
            f"tangents has {n} directions but the inputs have only {n_in} coordinates; a tangent basis has at "
            f"most {n_in} columns (for the full Jacobian pass tangents=None)."
        )
    T = np.ascontiguousarray(T, dtype=np.float64)
    finite = np.isfinite(T).reshape(N, -1).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"tangents contains NaN or inf in {bad.size} sample(s) (first at row {bad[0]}); repair these "
            "tangent bases, e.g. re-estimate them with netequiv.observation.estimate_tangents."
        )
    return T


def _differentiate(single: Callable, xt: torch.Tensor, tt: torch.Tensor | None, d: int, batch_size: int):
    """Jacobians of ``single`` at every sample, full or along tangents, and the mode that made them.

    ``single(xi) -> (f, f)`` maps one sample of shape ``input_shape`` (no batch axis) to
    its ``d`` features, twice (the second copy comes back as auxiliary output, so the
    values cost no extra pass).  ``tt`` is ``None`` (Jacobian with respect to the
    flattened input) or tangent bases of shape (N, n_inputs, n) (Jacobian of
    :math:`t \\mapsto f(x_i + T_i t)` at :math:`t = 0`).  Returns ``(J, Y, mode)``, ``J``
    of shape (N, d, n) and ``Y`` of shape (N, d).  Forward mode is tried first when it
    pushes fewer tangents than reverse mode pulls cotangents; if the network contains
    an operation without a forward-mode derivative, the whole call is redone in
    reverse mode.  Any other error propagates unchanged.
    """
    N = int(xt.shape[0])
    n_dir = int(np.prod(xt.shape[1:])) if tt is None else int(tt.shape[2])
    np_dtype = np.float64 if xt.dtype == torch.float64 else np.float32
    first = _pick_mode(n_dir, d)
    for mode in (first, "reverse") if first == "forward" else (first,):
        jac = _JAC[mode]
        if tt is None:
            fn = vmap(jac(single, has_aux=True))

            def args(sl):
                return (xt[sl],)

        else:
            t0 = torch.zeros(n_dir, dtype=xt.dtype)

            def along(t, xi, Ti):
                # g_i(t) = f(x_i + T_i t); its Jacobian at t = 0 is J_i T_i
                return single(xi + (Ti @ t).reshape(xi.shape))

            fn = vmap(jac(along, has_aux=True), in_dims=(None, 0, 0))

            def args(sl, t0=t0):
                return (t0, xt[sl], tt[sl])

        J_out = np.empty((N, d, n_dir), dtype=np_dtype)
        Y_out = np.empty((N, d), dtype=np_dtype)
        try:
            for start in range(0, N, batch_size):
                sl = slice(start, start + batch_size)
                with _quiet_jvp_setup():
                    J, Y = fn(*args(sl))
                J_out[sl] = J.detach().reshape(Y.shape[0], d, n_dir).numpy()
                Y_out[sl] = Y.detach().numpy()
        except (NotImplementedError, RuntimeError) as exc:
            if mode == "reverse" or not _lacks_forward_ad(exc):
                raise
            continue  # an operation has no forward-mode derivative: redo the whole call in reverse mode
        return J_out, Y_out, mode
    raise AssertionError("unreachable: reverse mode returns or raises")  # pragma: no cover


# --------------------------------------------------------------------------- observe


def observe(
    model,
    x,
    *,
    layers=None,
    output: bool = True,
    jacobian: bool = False,
    tangents=None,
    dtype="float64",
    batch_size: int = 8192,
) -> Observation:
    """Observe selected neurons and/or the outputs of a torch network on inputs ``x``.

    Parameters
    ----------
    model : torch.nn.Module
        The network; it maps a batch of shape (B, n) (or ``(B, *input_shape)``,
        e.g. (B, 1, 16, 16) for images) to outputs of shape (B, ...).  It is not
        modified: a deep copy in ``dtype`` and eval mode is evaluated.
    x : array-like of shape (N, n), (N,) or (N, \\*input_shape)
        Input samples; a 1-D array is read as N samples of a scalar input, an array
        with three or more axes as N samples of shape ``input_shape`` (passed to the
        model as they are; Jacobians refer to the flattened input of
        ``n = prod(input_shape)`` coordinates, in C order).
    layers : None, list of str, or dict {str: indices or None}, default=None
        Modules whose outputs are observed, by their names in
        ``model.named_modules()`` (e.g. ``"act2"`` for the second hidden layer of
        :func:`netequiv.chapters.nets.mlp`).  With a dict, the value selects units of the
        flattened per-sample activation (``None``: all units).  Features are
        concatenated in the order given.
    output : bool, default=True
        Append the (flattened) model output after the layer features.
    jacobian : bool, default=False
        Also return the exact Jacobians :math:`\\partial y / \\partial x`, by
        automatic differentiation (``torch.func``).
    tangents : None or array-like of shape (N, n, k) or (N, \\*input_shape, k), default=None
        Bases :math:`T_i` of the tangent spaces of the input manifold at each
        sample, one column per direction (k = manifold dimension, ``k <= n``),
        e.g. from ``netequiv.observation.estimate_tangents``.  With
        ``jacobian=True``, ``jac`` is then :math:`J_i T_i` of shape (N, d, k),
        computed without forming :math:`J_i`.
        Orthonormal columns make :math:`(J_i T_i)(J_i T_i)^\\top` the metric of the
        manifold's image; other bases are used as given.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the evaluation and of the returned arrays.
    batch_size : int, default=8192
        Number of samples evaluated (and differentiated) at once.

    Returns
    -------
    Observation
        ``y`` of shape (N, d); ``jac`` of shape (N, d, n) (with ``tangents``: (N, d,
        k)) or ``None``; ``names`` (d labels such as ``"act2[5]"`` or
        ``"output[0]"``); ``jacobian_mode`` (``"forward"``, ``"reverse"`` or ``None``).

    Raises
    ------
    ValueError
        ``"model must be a torch.nn.Module ..."`` for any other object;
        ``"x must have shape (n_samples, n_features) ..."``, ``"x contains NaN or inf ..."``
        for bad inputs; ``"x has n features but the model expects m ..."`` (or
        ``"... the model could not be evaluated on it ..."``) when the input dimension
        does not fit the model, or when the model raises on ``x[:1]``; for ``x``
        with three or more axes ``"the model could not be evaluated on x[:1] of shape
        ...; x must have shape (n_samples, n_features) or (n_samples, *input_shape)
        ..."``.  In these cases the model's own exception is chained as
        ``__cause__``, so the traceback shows the line of the model that raised.
        ``"unknown layer ...; valid module names ..."``;
        ``"unit index i is out of range for layer ... with k units"``; ``"no
        features selected ..."`` when ``layers`` selects nothing and
        ``output=False``; ``"layer ... is not called during the forward pass"`` or
        ``"... is called k times ..."`` for modules that cannot be observed;
        ``"batch_size must be a positive integer"``; ``"dtype must be ..."``.
        For ``tangents``: ``"tangents is only used with jacobian=True ..."``;
        ``"tangents must hold real numbers ..."``; ``"tangents has M samples but x
        has N ..."``; ``"tangents has shape ..., which lacks the last axis of
        tangent directions ..."``; ``"tangents must have shape ... for x of shape
        ..."``;
        ``"tangents has shape ..., i.e. no tangent directions ..."``; ``"tangents has
        k directions but the inputs have only n coordinates ..."``; ``"tangents
        contains NaN or inf ..."``.

    Notes
    -----
    Let :math:`f: \\mathbb{R}^n \\to \\mathbb{R}^d` be the map from an input to the
    selected features.  The Jacobian of sample :math:`i` is

    .. math:: J_i = \\frac{\\partial f}{\\partial x}(x_i) \\in \\mathbb{R}^{d \\times n},
       \\qquad (J_i)_{ab} = \\frac{\\partial f_a}{\\partial x_b}(x_i).

    Each sample is evaluated as a batch of one inside ``torch.func.vmap``; forward
    mode (``jacfwd``, one tangent per input coordinate) is used when
    :math:`n < d` — the usual case of one or two inputs and many observed neurons —
    and reverse mode (``jacrev``) otherwise.  If the network contains an operation
    without a forward-mode derivative (``torch.nn.functional.grid_sample`` raises
    ``NotImplementedError: Trying to use forward AD with grid_sampler_2d ...``), the
    whole call is redone in reverse mode; ``jacobian_mode`` records the mode used.
    Activations are captured by forward hooks, which run inside the functional
    transforms, so the network does not have to be rewritten.  The metric used by
    the diffusion map is :math:`J_i J_i^\\top` (or its pseudo-inverse), see
    :func:`netequiv.metric_from_jacobians`.

    With tangent bases :math:`T_i \\in \\mathbb{R}^{n \\times k}` the restricted map
    :math:`g_i(t) = f(x_i + T_i t)`, :math:`t \\in \\mathbb{R}^k`, is differentiated at
    :math:`t = 0`:

    .. math:: \\frac{\\partial g_i}{\\partial t}(0) = J_i T_i \\in \\mathbb{R}^{d \\times k}.

    Forward mode pushes the :math:`k` columns of :math:`T_i` through the network and
    reverse mode pulls :math:`d` cotangents (the fewer is taken), so the cost scales
    with :math:`\\min(k, d)` instead of :math:`\\min(n, d)` — for a curve of images,
    one tangent instead of hundreds of pixels.  If :math:`T_i` has orthonormal columns
    spanning the tangent space of the input manifold, :math:`(J_i T_i)(J_i T_i)^\\top`
    is the push-forward of the manifold's metric, the quantity the Mahalanobis
    diffusion map needs; the full :math:`J_i J_i^\\top` would also count input
    directions off the manifold.

    The model is evaluated in eval mode (dropout off, batch-norm running
    statistics), so the observations are a deterministic function of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from netequiv.chapters.nets import mlp
    >>> net = mlp(1, 1, hidden=(8, 8))
    >>> obs = observe(net, np.linspace(0, 1, 5), layers={"act2": [0, 3]}, jacobian=True)
    >>> obs.y.shape, obs.jac.shape, obs.names, obs.jacobian_mode
    ((5, 3), (5, 3, 1), ['act2[0]', 'act2[3]', 'output[0]'], 'forward')

    Along a curve in the plane, with its unit tangent:

    >>> net2 = mlp(2, 1, hidden=(8,))
    >>> s = np.linspace(0, 1, 4)
    >>> curve, tangent = np.c_[np.cos(s), np.sin(s)], np.c_[-np.sin(s), np.cos(s)][:, :, None]
    >>> full = observe(net2, curve, jacobian=True).jac                     # (4, 1, 2)
    >>> along = observe(net2, curve, jacobian=True, tangents=tangent).jac  # (4, 1, 1)
    >>> bool(np.allclose(along, full @ tangent))
    True
    """
    _check_module(model)
    tdtype = _torch_dtype(dtype)
    batch_size = _check_batch_size(batch_size)
    x = _as_inputs(x, "x")
    N = x.shape[0]
    n = int(np.prod(x.shape[1:]))
    if tangents is not None:
        if not jacobian:
            raise ValueError(
                "tangents is only used with jacobian=True (it restricts the Jacobian to the tangent "
                "directions); pass jacobian=True or drop tangents."
            )
        tangents = _check_tangents(tangents, x.shape)
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
            # the model's own exception stays chained (__cause__): its traceback shows the failing line
            if x.ndim > 2:
                raise ValueError(
                    f"the model could not be evaluated on x[:1] of shape {tuple(x0.shape)} "
                    f"({type(exc).__name__}: {exc}); x must have shape (n_samples, n_features) or "
                    "(n_samples, *input_shape) with an input shape the model accepts."
                ) from exc
            expected = _expected_in_features(net)
            if expected is not None and expected != n:
                raise ValueError(
                    f"x has {n} features but the model expects {expected} inputs; pass x of shape (N, {expected})."
                ) from exc
            raise ValueError(
                f"x has {n} features but the model could not be evaluated on it ({type(exc).__name__}: {exc})."
            ) from exc
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

        xt = torch.as_tensor(x, dtype=tdtype)
        if jacobian:

            def single(xi: torch.Tensor):
                f = features(xi.unsqueeze(0), 1)[0]
                return f, f

            tt = None if tangents is None else torch.as_tensor(tangents, dtype=tdtype)
            jac_out, y_out, mode = _differentiate(single, xt, tt, d, batch_size)
        else:
            jac_out, mode = None, None
            y_out = np.empty((N, d), dtype=x0.numpy().dtype)
            for start in range(0, N, batch_size):
                xb = xt[start : start + batch_size]
                with torch.no_grad():
                    y_out[start : start + len(xb)] = features(xb, len(xb)).numpy()
    finally:
        capture.remove()
    return Observation(y=y_out, jac=jac_out, names=names, jacobian_mode=mode)


# --------------------------------------------------------------------------- jacobian


def jacobian(func: Callable, x, *, tangents=None, dtype="float64", batch_size: int = 8192) -> np.ndarray:
    """Exact Jacobians of a torch callable at each input sample, optionally along tangents.

    Parameters
    ----------
    func : callable
        A torch function or module mapping a batch of shape (B, n) (or (B,
        \\*input_shape)) to a tensor of shape (B, d) (or (B,), read as d = 1; other
        output shapes are flattened per sample).  It is applied to one sample at a
        time (as a batch of one) under ``torch.func.vmap``, so it must be written
        with torch operations.  A module is evaluated as a deep copy in ``dtype``
        and eval mode.
    x : array-like of shape (N, n), (N,) or (N, \\*input_shape)
        Input samples; with three or more axes the Jacobian refers to the flattened
        input of ``n = prod(input_shape)`` coordinates (C order).
    tangents : None or array-like of shape (N, n, k) or (N, \\*input_shape, k), default=None
        Tangent bases :math:`T_i` (see :func:`observe`); when given, :math:`J_i T_i` is
        returned instead of :math:`J_i`, computed without forming :math:`J_i`.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the evaluation.
    batch_size : int, default=8192
        Number of samples differentiated at once.

    Returns
    -------
    ndarray of shape (N, d, n), or (N, d, k) with ``tangents``
        ``J[i, a, b] = d func_a / d x_b`` at ``x[i]``; with ``tangents``
        ``J[i, a, c] = sum_b d func_a / d x_b * T[i, b, c]``.

    Raises
    ------
    ValueError
        ``"func must be callable ..."``; ``"x ..."`` for non-finite or badly shaped
        inputs; ``"func could not be evaluated on x ..."`` when the input dimension
        does not fit or ``func`` raises on ``x[:1]`` (the original exception is
        chained as ``__cause__``); ``"func must return a torch.Tensor ..."`` or
        ``"... one row per input sample ..."`` for outputs of the wrong kind;
        ``"batch_size must be a positive integer"``; ``"dtype must be ..."``; the
        ``"tangents ..."`` messages listed in :func:`observe`.

    Notes
    -----
    For :math:`f: \\mathbb{R}^n \\to \\mathbb{R}^d` this returns
    :math:`J_i = \\partial f / \\partial x\\,(x_i)`, computed with ``jacfwd`` when
    :math:`n < d` and ``jacrev`` otherwise, or :math:`J_i T_i = \\partial_t f(x_i +
    T_i t)|_{t=0}` with ``k`` in place of ``n`` in that choice; forward mode falls
    back to reverse mode when ``func`` uses an operation without a forward-mode
    derivative (see :func:`observe`, which shares this code).  Since every sample is
    evaluated alone, ``func`` must treat samples independently (no batch
    statistics).

    Examples
    --------
    >>> import numpy as np, torch
    >>> J = jacobian(lambda x: torch.stack([x[:, 0] * x[:, 1], x[:, 0] ** 2], dim=1), np.array([[1.0, 2.0]]))
    >>> J[0]
    array([[2., 1.],
           [2., 0.]])
    >>> jacobian(lambda x: x**2, np.array([[1.0, 2.0]]), tangents=np.array([[[0.6], [0.8]]]))[0]
    array([[1.2],
           [3.2]])
    """
    if not callable(func):
        raise ValueError(  # noqa: TRY004 (every bad argument raises ValueError)
            f"func must be callable (a torch function or module), got {type(func).__name__}."
        )
    tdtype = _torch_dtype(dtype)
    batch_size = _check_batch_size(batch_size)
    x = _as_inputs(x, "x")
    if tangents is not None:
        tangents = _check_tangents(tangents, x.shape)
    if isinstance(func, torch.nn.Module):
        func = _model_copy(func, tdtype)
    xt = torch.as_tensor(x, dtype=tdtype)
    try:
        with torch.no_grad():
            out0 = func(xt[:1])
    except Exception as exc:
        what = f"{x.shape[1]} features" if x.ndim == 2 else f"input shape {tuple(x.shape[1:])}"
        raise ValueError(
            f"func could not be evaluated on x with {what} ({type(exc).__name__}: {exc}); check the input dimension."
        ) from exc
    d = int(_as_matrix(out0, "func", 1).shape[1])

    def single(xi: torch.Tensor):
        f = func(xi.unsqueeze(0)).reshape(-1)
        return f, f

    tt = None if tangents is None else torch.as_tensor(tangents, dtype=tdtype)
    return _differentiate(single, xt, tt, d, batch_size)[0]


# --------------------------------------------------------------------------- bursts


def burst_observations(
    func: Callable, x, *, n_burst: int = 32, sigma: float = 1e-3, random_state=0, batch_size: int | None = None
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
        number > 0"``; ``"func could not be evaluated ..."`` (with func's own exception chained as
        ``__cause__``); ``"func returned shape
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
        raise ValueError(  # noqa: TRY004 (every bad argument raises ValueError)
            f"func must be callable (a numpy function or torch module), got {type(func).__name__}."
        )
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
            ) from exc
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


# --------------------------------------------------------------------------- tangents


def _knn(X: np.ndarray, k: int, max_block_bytes: int = 1 << 25) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other samples of every row of ``X`` (brute force, in row blocks).

    Returns indices and Euclidean distances of shape (N, k), nearest first.  Candidates
    are chosen with :math:`\\|a\\|^2 + \\|b\\|^2 - 2 a \\cdot b` (one matrix product per
    block) and their distances recomputed from the differences, which have no
    cancellation error.
    """
    N = X.shape[0]
    sq = np.einsum("ij,ij->i", X, X)
    block = max(1, min(N, max_block_bytes // (8 * max(N, k * X.shape[1]))))
    idx = np.empty((N, k), dtype=np.intp)
    dist = np.empty((N, k))
    for start in range(0, N, block):
        stop = min(N, start + block)
        rows = np.arange(start, stop)
        G = sq[rows, None] + sq[None, :] - 2.0 * (X[rows] @ X.T)
        G[np.arange(len(rows)), rows] = np.inf  # a sample is not its own neighbour
        cand = np.argpartition(G, k - 1, axis=1)[:, :k]
        diff = X[cand] - X[rows, None, :]
        dd = np.sqrt(np.einsum("bkd,bkd->bk", diff, diff))
        order = np.argsort(dd, axis=1, kind="stable")
        idx[rows] = np.take_along_axis(cand, order, axis=1)
        dist[rows] = np.take_along_axis(dd, order, axis=1)
    return idx, dist


def _spanning_forest(nbr: np.ndarray, dist: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Minimum spanning forest of the symmetrised k-nearest-neighbour graph (Prim's algorithm).

    Returns the visiting order (every node after its parent) and the parent of each
    node (``-1`` for the root of each connected component, the lowest index in it).
    """
    N, k = nbr.shape
    src = np.repeat(np.arange(N), k)
    a = np.concatenate([src, nbr.ravel()])
    b = np.concatenate([nbr.ravel(), src])
    w = np.concatenate([dist.ravel(), dist.ravel()])
    by = np.lexsort((w, a))
    a, b, w = a[by], b[by], w[by]
    indptr = np.searchsorted(a, np.arange(N + 1)).tolist()
    b, w = b.tolist(), w.tolist()
    visited = [False] * N
    parent = np.full(N, -1, dtype=np.intp)
    order: list[int] = []
    for root in range(N):
        if visited[root]:
            continue
        heap = [(0.0, root, -1)]
        while heap:
            _, i, p = heapq.heappop(heap)
            if visited[i]:
                continue
            visited[i] = True
            parent[i] = p
            order.append(i)
            for e in range(indptr[i], indptr[i + 1]):
                j = b[e]
                if not visited[j]:
                    heapq.heappush(heap, (w[e], j, i))
    return order, parent


def estimate_tangents(x, n_intrinsic: int, *, n_neighbors: int | None = None) -> np.ndarray:
    """Orthonormal tangent bases of the input manifold at every sample, by local PCA.

    Parameters
    ----------
    x : array-like of shape (N, n_inputs) or (N, \\*input_shape)
        Samples of an ``n_intrinsic``-dimensional manifold, e.g. a curve in
        :math:`\\mathbb{R}^3` or a one-parameter family of images of shape
        (1, 16, 16) (flattened to ``n_inputs = prod(input_shape)`` coordinates, C
        order, as in :func:`observe`).
    n_intrinsic : int
        Dimension ``n`` of the manifold, ``1 <= n < n_inputs``.
    n_neighbors : int or None, default=None
        Number ``k`` of nearest other samples in each local neighbourhood,
        ``n_intrinsic <= k < N``.  ``None`` takes ``max(2 n + 2, 10)`` (at most
        ``N - 1``).

    Returns
    -------
    ndarray of shape (N, n_inputs, n_intrinsic)
        ``T[i]`` has orthonormal columns spanning the estimated tangent space at
        ``x[i]``; it can be passed as ``tangents`` to :func:`observe` or
        :func:`jacobian`.  Bases are oriented consistently along the data (see
        Notes).

    Raises
    ------
    ValueError
        ``"x ..."`` for non-finite or non-numeric samples; ``"n_intrinsic must be
        an integer >= 1 ..."``; ``"n_intrinsic=n must be smaller than the input
        dimension ..."``; ``"x has N samples; an n-dimensional tangent space needs at
        least n + 1 ..."``; ``"n_neighbors must be an integer >= 1 ..."``;
        ``"n_neighbors=k must be smaller than the number of samples N ..."``;
        ``"n_neighbors=k is too small for n_intrinsic=n ..."``.

    Notes
    -----
    For each sample :math:`x_i` let :math:`P_i` be the :math:`(k+1) \\times D` matrix of
    :math:`x_i` and its :math:`k` nearest neighbours (Euclidean, brute force in blocks
    of rows, :math:`O(N^2 D)` time), centred by their mean.  With the singular value
    decomposition :math:`P_i = U \\Sigma V^\\top`, the estimate is the first :math:`n`
    right singular vectors, :math:`T_i = V_{:, :n}`: the span of largest variance
    of the neighbourhood.  For a smooth manifold sampled with spacing :math:`h`, the
    angle between this span and the true tangent space is :math:`O(k h \\kappa)` for a
    curvature :math:`\\kappa` (the second-order terms of the neighbourhood are
    symmetric about :math:`x_i` to leading order for evenly spaced samples, so
    interior points do better); at the ends of a curve the neighbourhood is
    one-sided and the error is larger.  Too small a ``k`` lets noise pick the
    directions, too large a ``k`` lets curvature tilt them.

    Singular vectors have arbitrary signs (and, for :math:`n > 1`, an arbitrary
    rotation within degenerate singular values).  The bases are therefore aligned
    along a minimum spanning tree of the symmetrised k-nearest-neighbour graph:
    visiting the tree from a root, each :math:`T_i` is replaced by :math:`T_i R_i`
    with the orthogonal :math:`R_i` closest to making it equal its parent's basis
    (orthogonal Procrustes, :math:`R_i = U W^\\top` for :math:`T_i^\\top T_{p(i)} = U S
    W^\\top`).  For :math:`n = 1` this flips each tangent to agree in sign with its
    parent, so the tangents of a curve all point the same way along it.  For
    :math:`n > 1` the columns are then a smoothly varying orthonormal frame of the
    same subspaces, no longer ordered by variance.  The root of each connected
    component (its lowest index) has the largest-magnitude entry of each column
    positive, so the result does not depend on the signs LAPACK returns.  On a
    non-orientable manifold (a Möbius band) no consistent orientation exists and the
    tree merely chooses where the flip happens.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 3, 200)
    >>> helix = np.c_[np.cos(t), np.sin(t), 0.3 * t]
    >>> T = estimate_tangents(helix, 1)
    >>> T.shape
    (200, 3, 1)
    >>> exact = np.c_[-np.sin(t), np.cos(t), 0.3 * np.ones_like(t)] / np.sqrt(1.09)
    >>> bool(np.abs(np.sum(T[:, :, 0] * exact, axis=1))[10:-10].min() > 0.999)
    True
    """
    x = _as_inputs(x, "x")
    N = int(x.shape[0])
    X = x.reshape(N, -1)
    D = int(X.shape[1])
    n = check_int(n_intrinsic, "n_intrinsic", 1)
    if n >= D:
        raise ValueError(
            f"n_intrinsic={n} must be smaller than the input dimension {D}: a {D}-dimensional tangent space "
            f"is all of R^{D} (use the full Jacobian, tangents=None, instead)."
        )
    if N < n + 1:
        raise ValueError(
            f"x has {N} samples; an {n}-dimensional tangent space needs at least {n + 1} samples (a sample and "
            f"{n} neighbours), and many more for a reliable estimate."
        )
    if n_neighbors is None:
        k = min(max(2 * n + 2, 10), N - 1)
    else:
        k = check_int(n_neighbors, "n_neighbors", 1)
        if k >= N:
            raise ValueError(
                f"n_neighbors={k} must be smaller than the number of samples N={N} (each sample's neighbours "
                f"are other samples); pass n_neighbors <= {N - 1} or more samples."
            )
        if k < n:
            raise ValueError(
                f"n_neighbors={k} is too small for n_intrinsic={n}: a sample and {k} neighbours span at most {k} "
                f"directions; pass n_neighbors >= {n} (2 * n_intrinsic + 2 = {2 * n + 2} or more is safer)."
            )

    nbr, dist = _knn(X, k)
    T = np.empty((N, D, n))
    block = max(1, (1 << 24) // (8 * (k + 1) * D))
    for start in range(0, N, block):
        rows = np.arange(start, min(N, start + block))
        P = X[np.concatenate([rows[:, None], nbr[rows]], axis=1)]  # (B, k + 1, D)
        P = P - P.mean(axis=1, keepdims=True)
        Vt = np.linalg.svd(P, full_matrices=False)[2]
        T[rows] = np.transpose(Vt[:, :n, :], (0, 2, 1))

    # consistent orientation along a minimum spanning tree of the neighbour graph
    order, parent = _spanning_forest(nbr, dist)
    child = np.flatnonzero(parent >= 0)
    U, _, Wt = np.linalg.svd(np.transpose(T[child], (0, 2, 1)) @ T[parent[child]])
    Q = np.empty((N, n, n))
    Q[child] = U @ Wt  # R_i = Q_i R_parent(i)
    R = np.empty((N, n, n))
    for i in order:
        p = parent[i]
        if p < 0:  # component root: largest-magnitude entry of each column positive
            big = np.take_along_axis(T[i], np.argmax(np.abs(T[i]), axis=0)[None, :], axis=0)[0]
            R[i] = np.diag(np.where(big < 0, -1.0, 1.0))
        else:
            R[i] = Q[i] @ R[p]
    return T @ R
