"""Small fully connected networks used throughout the book, their training and caching.

Nothing here belongs to the method itself: these are the *subjects* whose
equivalence the book studies.  :func:`mlp` builds a network whose modules have
readable names (``fc1, act1, fc2, act2, ..., out``) so that
``observe(net, x, layers=["act2"])`` selects the second hidden layer after its
nonlinearity; :func:`train_regressor` fits any torch regressor; :func:`fit_mlp`
builds, trains and caches one in a single call.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict

import numpy as np
import torch
from tqdm import tqdm

from .._validation import as_2d_float, check_positive, check_same_samples
from .._validation import check_int as _check_int
from ..chapters import cache as _cache

__all__ = ["ACTIVATIONS", "fit_mlp", "mlp", "model_rmse", "train_regressor"]

#: name -> activation module class accepted by :func:`mlp`
ACTIVATIONS = {
    "tanh": torch.nn.Tanh,
    "relu": torch.nn.ReLU,
    "silu": torch.nn.SiLU,
    "gelu": torch.nn.GELU,
    "sigmoid": torch.nn.Sigmoid,
    "softplus": torch.nn.Softplus,
}

_DTYPES = {"float64": torch.float64, "float32": torch.float32}

# bump when the training procedure changes so that old cache entries are not reused
_TRAINING_VERSION = 1


def _check_hidden(hidden) -> tuple[int, ...]:
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (hidden,)
    try:
        widths = tuple(hidden)
    except TypeError:
        raise ValueError(f"hidden must be a sequence of layer widths, e.g. (32, 32, 32); got {hidden!r}.") from None
    if len(widths) == 0:
        raise ValueError("hidden must name at least one hidden layer width, e.g. (32, 32, 32).")
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            raise ValueError(f"hidden layer widths must be positive integers, got {hidden!r}.")
    return tuple(int(w) for w in widths)


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)}.")
    return activation


def _check_dtype(dtype) -> torch.dtype:
    if isinstance(dtype, torch.dtype) and dtype in _DTYPES.values():
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}.")


def _check_model(model) -> torch.nn.Module:
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}.")  # noqa: TRY004
    return model


def _model_dtype(model: torch.nn.Module) -> torch.dtype:
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.get_default_dtype()


# --------------------------------------------------------------------------- building


def mlp(
    in_dim: int, out_dim: int, hidden=(32, 32, 32), activation: str = "tanh", seed: int = 0, *, dtype="float64"
) -> torch.nn.Sequential:
    """A fully connected network with named modules ``fc1, act1, ..., fcL, actL, out``.

    Parameters
    ----------
    in_dim : int
        Input dimension ``n``.
    out_dim : int
        Output dimension.
    hidden : sequence of int, default=(32, 32, 32)
        Widths of the hidden layers; ``L = len(hidden)``.
    activation : {"tanh", "relu", "silu", "gelu", "sigmoid", "softplus"}, default="tanh"
        Nonlinearity after every hidden affine layer (none after ``out``).
    seed : int, default=0
        Seed of the weight initialisation (torch's default ``nn.Linear`` scheme);
        the global torch random state is left unchanged.
    dtype : {"float64", "float32"}, default="float64"
        Parameter precision.

    Returns
    -------
    torch.nn.Sequential
        Modules ``fc{k}`` (``nn.Linear``) and ``act{k}`` for ``k = 1..L`` and a final
        ``out`` (``nn.Linear``).

    Raises
    ------
    ValueError
        ``"in_dim must be an integer >= 1"`` (likewise ``out_dim``, ``seed >= 0``);
        ``"hidden must ..."`` / ``"hidden layer widths must be positive integers"``;
        ``"unknown activation ...; choose one of: tanh, relu, silu, gelu, sigmoid,
        softplus"``; ``"dtype must be ..."``.

    Notes
    -----
    The network computes :math:`h_0 = x`,
    :math:`h_k = \\sigma(W_k h_{k-1} + b_k)` for :math:`k = 1, \\dots, L`
    (module ``act{k}`` outputs :math:`h_k`) and
    :math:`y = W_{L+1} h_L + b_{L+1}` (module ``out``).

    Examples
    --------
    >>> net = mlp(2, 1, hidden=(16, 16), activation="relu", seed=3)
    >>> [name for name, _ in net.named_children()]
    ['fc1', 'act1', 'fc2', 'act2', 'out']
    """
    in_dim = _check_int(in_dim, "in_dim", 1)
    out_dim = _check_int(out_dim, "out_dim", 1)
    seed = _check_int(seed, "seed", 0)
    widths = _check_hidden(hidden)
    act_cls = ACTIVATIONS[_check_activation(activation)]
    tdtype = _check_dtype(dtype)
    modules: list[tuple[str, torch.nn.Module]] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        prev = in_dim
        for k, width in enumerate(widths, start=1):
            modules.append((f"fc{k}", torch.nn.Linear(prev, width, dtype=tdtype)))
            modules.append((f"act{k}", act_cls()))
            prev = width
        modules.append(("out", torch.nn.Linear(prev, out_dim, dtype=tdtype)))
    return torch.nn.Sequential(OrderedDict(modules))


# --------------------------------------------------------------------------- training


def train_regressor(
    model,
    x,
    y,
    *,
    epochs: int = 2000,
    lr: float = 3e-3,
    batch_size: int | None = None,
    weight_decay: float = 0.0,
    polish_iter: int = 300,
    seed: int = 0,
    progress: bool = True,
) -> dict:
    """Fit a torch regressor to ``(x, y)`` by mean squared error, in place.

    Adam with a cosine learning-rate decay, followed by a full-batch L-BFGS
    polish.  The model is trained in the precision of its parameters and left in
    eval mode.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of shape (B, n) to predictions of shape (B, m) (or (B,) when
        m = 1).
    x : array-like of shape (N, n) or (N,)
        Training inputs.
    y : array-like of shape (N, m) or (N,)
        Training targets.
    epochs : int, default=2000
        Number of Adam epochs (passes over the data).
    lr : float, default=3e-3
        Initial Adam learning rate, decayed to 0 by a half cosine over the epochs.
    batch_size : int or None, default=None
        Mini-batch size of the Adam phase (shuffled every epoch); ``None`` means
        full batch.
    weight_decay : float, default=0.0
        L2 penalty :math:`\\tfrac{\\lambda}{2}\\|\\theta\\|^2` added to the loss.
    polish_iter : int, default=300
        Number of full-batch L-BFGS iterations after Adam (0 to skip).
    seed : int, default=0
        Seed of the mini-batch order and of any randomness in the model (dropout);
        the caller's global torch random state is left unchanged.
    progress : bool, default=True
        Show a tqdm progress bar with the current loss.

    Returns
    -------
    dict
        ``"loss"``: ndarray (epochs,) of the mean training loss per Adam epoch;
        ``"lr"``: ndarray (epochs,) of learning rates; ``"polish_loss"``: ndarray of
        the loss at each L-BFGS evaluation; ``"final_loss"``: float, full-batch MSE
        of the trained model; ``"time_s"``: float, wall-clock seconds.

    Raises
    ------
    ValueError
        ``"model must be a torch.nn.Module"``; ``"x ..."`` / ``"y ..."`` for
        non-finite or badly shaped data; ``"x has N samples but y has M"``;
        ``"model returns k outputs per sample but y has m columns"``;
        ``"epochs must be an integer >= 1"``; ``"polish_iter must be an integer >= 0"``;
        ``"batch_size must be None or an integer >= 1"``; ``"lr must be a finite
        number > 0"``; ``"weight_decay must be a finite number >= 0"``;
        ``"the training loss became NaN or inf ..."``.

    Notes
    -----
    The loss is :math:`L(\\theta) = \\frac{1}{Nm}\\sum_{i}\\|f_\\theta(x_i) - y_i\\|^2
    + \\tfrac{\\lambda}{2}\\|\\theta\\|^2`.  Epoch :math:`e = 0, \\dots, E-1` uses
    the learning rate :math:`\\eta_e = \\tfrac{\\eta}{2}(1 + \\cos(\\pi e / E))`.
    Adam gets close to a good basin quickly; the quasi-Newton L-BFGS polish (strong
    Wolfe line search) then removes most of the remaining error on the smooth,
    small problems of the book, typically by an order of magnitude.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 50)[:, None]
    >>> net = mlp(1, 1, hidden=(16,))
    >>> hist = train_regressor(net, x, 2 * x - 1, epochs=200, progress=False)
    >>> bool(hist["final_loss"] < 1e-4)
    True
    """
    _check_model(model)
    x = as_2d_float(x, "x")
    y = as_2d_float(y, "y")
    check_same_samples(x, y, "x", "y")
    epochs = _check_int(epochs, "epochs", 1)
    polish_iter = _check_int(polish_iter, "polish_iter", 0)
    seed = _check_int(seed, "seed", 0)
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1
    ):
        raise ValueError(f"batch_size must be None or an integer >= 1, got {batch_size!r}.")
    lr = check_positive(lr, "lr")
    try:
        weight_decay = float(weight_decay)
    except (TypeError, ValueError):
        weight_decay = float("nan")
    if not np.isfinite(weight_decay) or weight_decay < 0:
        raise ValueError("weight_decay must be a finite number >= 0.")

    tdtype = _model_dtype(model)
    X = torch.as_tensor(x, dtype=tdtype)
    Y = torch.as_tensor(y, dtype=tdtype)
    N = len(X)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters.")
    with torch.no_grad():
        try:
            width = model(X[:1]).reshape(1, -1).shape[1]
        except Exception as exc:  # noqa: BLE001 - any failure of the caller's model is reported
            raise ValueError(
                f"model could not be evaluated on x with {x.shape[1]} features ({type(exc).__name__}: {exc})."
            ) from None
    if width != Y.shape[1]:
        raise ValueError(f"model returns {width} outputs per sample but y has {Y.shape[1]} columns.")

    def loss_fn(xb, yb):
        loss = torch.mean((model(xb).reshape(len(xb), -1) - yb) ** 2)
        if weight_decay > 0:
            loss = loss + 0.5 * weight_decay * sum(torch.sum(p * p) for p in params)
        return loss

    losses = np.empty(epochs)
    lrs = np.empty(epochs)
    polish: list[float] = []
    start = time.perf_counter()
    model.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(params, lr=lr)
        bar = tqdm(total=epochs + polish_iter, disable=not progress, desc="training", unit="it", leave=False)
        try:
            update_every = max(1, epochs // 200)
            shown = 0
            for e in range(epochs):
                lr_e = 0.5 * lr * (1.0 + math.cos(math.pi * e / epochs))
                for group in opt.param_groups:
                    group["lr"] = lr_e
                lrs[e] = lr_e
                if batch_size is None or batch_size >= N:
                    batches = [None]
                else:
                    perm = torch.randperm(N, generator=gen)
                    batches = [perm[s : s + batch_size] for s in range(0, N, batch_size)]
                total = 0.0
                for idx in batches:
                    xb, yb = (X, Y) if idx is None else (X[idx], Y[idx])
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(xb, yb)
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(xb)
                losses[e] = total / N
                if not np.isfinite(losses[e]):
                    raise ValueError(f"the training loss became NaN or inf at epoch {e}; lower lr or rescale x and y.")
                if (e + 1) % update_every == 0 or e == epochs - 1:
                    bar.set_postfix(loss=f"{losses[e]:.3e}", refresh=False)
                    bar.update(e + 1 - shown)
                    shown = e + 1
            if polish_iter > 0:
                lbfgs = torch.optim.LBFGS(
                    params,
                    lr=1.0,
                    max_iter=polish_iter,
                    max_eval=int(1.25 * polish_iter) + 1,
                    history_size=50,
                    tolerance_grad=1e-14,
                    tolerance_change=0.0,
                    line_search_fn="strong_wolfe",
                )

                def closure():
                    lbfgs.zero_grad(set_to_none=True)
                    loss = loss_fn(X, Y)
                    loss.backward()
                    polish.append(float(loss.detach()))
                    if len(polish) <= polish_iter:
                        bar.update(1)
                    if len(polish) % 20 == 0:
                        bar.set_postfix(loss=f"{polish[-1]:.3e}", refresh=False)
                    return loss

                state = [p.detach().clone() for p in params]
                before = float(loss_fn(X, Y).detach())
                lbfgs.step(closure)
                after = float(loss_fn(X, Y).detach())
                if not np.isfinite(after) or after > before:
                    # a failed line search must never make the Adam solution worse
                    with torch.no_grad():
                        for p, s in zip(params, state):
                            p.copy_(s)
        finally:
            bar.close()
    model.eval()
    with torch.no_grad():
        final = float(loss_fn(X, Y))
    return {
        "loss": losses,
        "lr": lrs,
        "polish_loss": np.asarray(polish, dtype=float),
        "final_loss": final,
        "time_s": time.perf_counter() - start,
    }


# --------------------------------------------------------------------------- evaluation


def model_rmse(model, x, y) -> dict:
    """Absolute and relative root-mean-square error of a regressor on ``(x, y)``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, n) to (N, m) (or (N,) when m = 1); evaluated in eval mode without
        gradients, in its own precision.
    x : array-like of shape (N, n) or (N,)
        Inputs.
    y : array-like of shape (N, m) or (N,)
        True targets.

    Returns
    -------
    dict
        ``"rmse"``: :math:`\\sqrt{\\tfrac{1}{Nm}\\sum_{i,j}(\\hat y_{ij} - y_{ij})^2}`;
        ``"relative_rmse"``: ``rmse`` divided by the pooled standard deviation of
        ``y``, :math:`\\sqrt{\\tfrac{1}{m}\\sum_j \\operatorname{Var}(y_{\\cdot j})}`
        (NaN when ``y`` is constant); ``"max_error"``: largest absolute error.

    Raises
    ------
    ValueError
        ``"model must be a torch.nn.Module"``; ``"x ..."`` / ``"y ..."`` for
        non-finite or badly shaped data; ``"x has N samples but y has M"``;
        ``"model returns k outputs per sample but y has m columns"``.

    Notes
    -----
    The relative error is scale- and offset-free: 1 means no better than
    predicting the mean of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> net = mlp(1, 1, hidden=(4,))
    >>> sorted(model_rmse(net, np.zeros((3, 1)), np.ones(3)))
    ['max_error', 'relative_rmse', 'rmse']
    """
    _check_model(model)
    x = as_2d_float(x, "x")
    y = as_2d_float(y, "y")
    check_same_samples(x, y, "x", "y")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            pred = model(torch.as_tensor(x, dtype=_model_dtype(model)))
    finally:
        model.train(was_training)
    pred = pred.detach().to(torch.float64).numpy().reshape(len(x), -1)
    if pred.shape[1] != y.shape[1]:
        raise ValueError(f"model returns {pred.shape[1]} outputs per sample but y has {y.shape[1]} columns.")
    err = pred - y
    rmse = float(np.sqrt(np.mean(err**2)))
    scale = float(np.sqrt(np.mean(np.var(y, axis=0))))
    return {
        "rmse": rmse,
        "relative_rmse": rmse / scale if scale > 0 else float("nan"),
        "max_error": float(np.max(np.abs(err))),
    }


# --------------------------------------------------------------------------- fit + cache


def _data_hash(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return h.hexdigest()


def _standardiser(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = a.mean(axis=0)
    std = a.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return mean, std


def _fold_affine(net: torch.nn.Sequential, mx, sx, my, sy) -> None:
    """Turn a net trained on standardised data into one acting on raw data.

    If ``g((x - mx) / sx) ~ (y - my) / sy`` then ``fc1`` gets ``W / sx`` and
    ``b - (W / sx) mx``, and ``out`` gets ``sy W`` and ``sy b + my``.
    """
    first, last = net.fc1, net.out
    dt = first.weight.dtype
    mx, sx, my, sy = (torch.as_tensor(v, dtype=dt) for v in (mx, sx, my, sy))
    with torch.no_grad():
        w1 = first.weight / sx[None, :]
        first.bias.sub_(w1 @ mx)
        first.weight.copy_(w1)
        last.weight.mul_(sy[:, None])
        last.bias.mul_(sy).add_(my)


def fit_mlp(
    x,
    y,
    *,
    hidden=(32, 32, 32),
    activation: str = "tanh",
    seed: int = 0,
    epochs: int = 2000,
    lr: float = 3e-3,
    polish_iter: int = 300,
    cache: bool = True,
    name: str = "mlp",
    progress: bool = True,
) -> tuple[torch.nn.Sequential, dict]:
    """Build an :func:`mlp`, train it on ``(x, y)`` and cache the trained weights.

    Parameters
    ----------
    x : array-like of shape (N, n) or (N,)
        Training inputs.
    y : array-like of shape (N, m) or (N,)
        Training targets.
    hidden, activation, seed :
        Architecture and initialisation, see :func:`mlp`.
    epochs, lr, polish_iter :
        Training schedule, see :func:`train_regressor` (full batch, float64).
    cache : bool, default=True
        Reuse trained weights from ``cache_dir("models")`` when the same network
        was trained on the same data before, and store them otherwise.
    name : str, default="mlp"
        Readable prefix of the cache file (part of the key as well).
    progress : bool, default=True
        Show a progress bar while training.

    Returns
    -------
    model : torch.nn.Sequential
        The trained network, float64, eval mode, acting on raw ``x``.
    info : dict
        ``"train_rmse"`` and ``"train_relative_rmse"`` (see :func:`model_rmse`),
        ``"cache_hit"`` (bool), ``"path"`` (str, the cache file, ``""`` when
        ``cache=False``), ``"time_s"`` (training seconds, 0 on a cache hit).

    Raises
    ------
    ValueError
        Everything :func:`mlp` and :func:`train_regressor` raise;
        ``"x has N samples but y has M"``; ``"x must have at least 2 samples"``;
        ``"name must be a non-empty string of letters, digits, '-', '_' or '.'"``.

    Notes
    -----
    Training runs on standardised data, :math:`\\tilde x = (x - \\mu_x)/s_x`,
    :math:`\\tilde y = (y - \\mu_y)/s_y`, which conditions the problem much better
    than raw data on :math:`[0, 1]`; the affine maps are folded exactly into the
    first and last layers afterwards,

    .. math:: W_1 \\leftarrow W_1 \\operatorname{diag}(s_x)^{-1}, \\quad
       b_1 \\leftarrow b_1 - W_1 \\operatorname{diag}(s_x)^{-1} \\mu_x, \\quad
       W_{L+1} \\leftarrow \\operatorname{diag}(s_y) W_{L+1}, \\quad
       b_{L+1} \\leftarrow s_y \\odot b_{L+1} + \\mu_y,

    so the returned network is a plain :func:`mlp`.  The cache key hashes every
    argument that changes the result together with the SHA-256 of the bytes of
    ``x`` and ``y``; the entry holds only a ``state_dict`` (tensors), written
    atomically and read with ``torch.load(..., weights_only=True)``.  An entry that
    cannot be used (unreadable, or tensors whose names, shapes or dtypes do not fit this
    network, or that hold NaN) is retrained and overwritten after a
    :class:`netequiv.chapters.cache.CacheWarning` that names the file.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 200)[:, None]
    >>> net, info = fit_mlp(x, np.tanh(3 * x - 1), hidden=(16, 16), epochs=300,
    ...                     cache=False, progress=False)
    >>> bool(info["train_relative_rmse"] < 1e-2), info["cache_hit"]
    (True, False)
    """
    x = as_2d_float(x, "x")
    y = as_2d_float(y, "y")
    check_same_samples(x, y, "x", "y")
    if len(x) < 2:
        raise ValueError(f"x must have at least 2 samples to fit a network, got {len(x)}.")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_." for c in name):
        raise ValueError(f"name must be a non-empty string of letters, digits, '-', '_' or '.', got {name!r}.")
    widths = _check_hidden(hidden)
    _check_activation(activation)
    seed = _check_int(seed, "seed", 0)
    epochs = _check_int(epochs, "epochs", 1)
    polish_iter = _check_int(polish_iter, "polish_iter", 0)
    lr = check_positive(lr, "lr")
    n, m = x.shape[1], y.shape[1]

    net = mlp(n, m, hidden=widths, activation=activation, seed=seed, dtype="float64")
    path = None
    if cache:
        stem = _cache.key(
            name=name,
            in_dim=n,
            out_dim=m,
            hidden=list(widths),
            activation=activation,
            seed=seed,
            epochs=epochs,
            lr=lr,
            polish_iter=polish_iter,
            data=_data_hash(x, y),
            version=_TRAINING_VERSION,
        )
        path = _cache.cache_dir("models") / f"{name}-{stem}.pt"
    with _cache.entry_lock(path):  # another process training the same network: wait, then read it
        state = None
        if path is not None:
            state = _cache.read_entry(path, _cache.load_torch, lambda st: _cache.check_state_dict(st, net.state_dict()))
        if state is not None:
            net.load_state_dict(state)
            time_s = 0.0
        else:
            mx, sx = _standardiser(x)
            my, sy = _standardiser(y)
            hist = train_regressor(
                net, (x - mx) / sx, (y - my) / sy, epochs=epochs, lr=lr, polish_iter=polish_iter, seed=seed,
                progress=progress,
            )  # fmt: skip
            _fold_affine(net, mx, sx, my, sy)
            time_s = hist["time_s"]
            if path is not None:
                with _cache.atomic_path(path) as tmp:
                    torch.save(net.state_dict(), tmp)
    net.eval()
    err = model_rmse(net, x, y)
    return net, {
        "train_rmse": err["rmse"],
        "train_relative_rmse": err["relative_rmse"],
        "cache_hit": state is not None,
        "path": "" if path is None else str(path),
        "time_s": time_s,
    }
