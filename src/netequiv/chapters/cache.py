"""An on-disk cache for trained networks, rendered images and downloaded data.

Everything in the cache can be re-created from code; deleting it (``make clean-cache``)
is always safe.  Files are written atomically: to a temporary file in the same
folder, then renamed, so an interrupted run never leaves a half-written entry.

Location, first match wins:

1. the environment variable ``NETEQUIV_CACHE``;
2. ``.cache/`` at the root of the source checkout (ignored by git) when the package
   is installed in development mode from a checkout;
3. ``~/.cache/netequiv``.

Reading is defensive: an entry that cannot be used (a truncated or garbled file, arrays of
the wrong shape or type, a network state whose tensors do not fit the network) is never
an error.  :func:`read_entry` emits a :class:`CacheWarning` naming the file and returns
``None``, and the caller recomputes the entry and overwrites the file.  Nothing is ever
unpickled: arrays are read with ``np.load(..., allow_pickle=False)`` and networks with
``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = [
    "CacheWarning",
    "atomic_path",
    "entry_lock",
    "cache_dir",
    "check_arrays",
    "check_state_dict",
    "key",
    "load_npz",
    "load_torch",
    "read_entry",
    "save_npz",
]


class CacheWarning(UserWarning):
    """A cache entry could not be used (corrupt, truncated or of the wrong shape); it is recomputed."""


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder inside the cache."""
    env = os.environ.get("NETEQUIV_CACHE")
    if env:
        root = Path(env)
    else:
        checkout = Path(__file__).resolve().parents[3]  # src/netequiv/chapters/cache.py -> checkout
        if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "netequiv").is_dir():
            root = checkout / ".cache"
        else:
            root = Path.home() / ".cache" / "netequiv"
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def key(**params) -> str:
    """A short stable hash of keyword parameters (JSON, sorted keys): a cache file name stem."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path next to ``path``; on success rename it onto ``path``.

    Examples
    --------
    >>> with atomic_path(cache_dir("demo") / "x.npy") as tmp:   # doctest: +SKIP
    ...     np.save(tmp, np.arange(3))
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def entry_lock(path: str | os.PathLike | None):
    """Hold an exclusive lock on the cache entry ``path`` while it is read, computed and written.

    Two processes that need the same entry (two notebooks on the two workers of ``make test``,
    or a notebook in JupyterLab next to a test run) would otherwise both compute it.  With the
    lock, the second waits, then reads what the first wrote.  The lock is ``<path>.lock`` held
    with ``flock``, released when the block ends, also by an exception.  ``path=None`` (no
    cache) and systems without ``fcntl`` get no lock.
    """
    if path is None:
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: no cross-process lock, at worst an entry is computed twice
        yield
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def save_npz(path: str | os.PathLike, **arrays) -> Path:
    """Atomically write arrays to ``path`` (an ``.npz`` file, uncompressed)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an ``.npz`` written by :func:`save_npz` (no pickles are ever loaded)."""
    # our own file handle: np.load leaves its handle open when the archive is truncated
    with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def load_torch(path: str | os.PathLike):
    """Read a file written with ``torch.save`` as plain tensors and containers (no pickled objects)."""
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def read_entry(path: str | os.PathLike, load: Callable, check: Callable | None = None):
    """Load a cache entry, or return ``None`` (after a :class:`CacheWarning`) when it is unusable.

    Parameters
    ----------
    path : path-like
        The cache file.  A missing file gives ``None`` without a warning.
    load : callable
        ``load(path) -> value``, e.g. :func:`load_npz` or :func:`load_torch`.  Any exception
        it raises (a truncated archive, garbage bytes, a refused pickle) makes the entry
        unusable.
    check : callable, optional
        ``check(value) -> str | None``: a description of what is wrong with a loaded value
        (wrong keys, shapes or types), or ``None`` when it is usable.  Exceptions count as
        unusable as well.

    Returns
    -------
    The loaded value, or ``None``: then the caller recomputes the entry and writes it again
    (the unusable file is left in place until it is overwritten).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        value = load(path)
        problem = None if check is None else check(value)
    except Exception as exc:  # noqa: BLE001 - any failure to read means "recompute"
        # the type only: messages of pickle loaders suggest unsafe options
        problem = f"it cannot be read ({type(exc).__name__})"
    if problem is None:
        return value
    warnings.warn(
        f"ignoring the unusable cache entry {path}: {problem}; recomputing it and overwriting the file.",
        CacheWarning,
        stacklevel=3,
    )
    return None


def check_arrays(expected: Mapping[str, tuple]) -> Callable:
    """A ``check`` for :func:`read_entry`: every named array present, with these shapes and real dtype.

    ``expected`` maps names to ``(shape, dtype)``; the arrays must also be finite.
    """

    def check(arrays) -> str | None:
        if not isinstance(arrays, Mapping):
            return f"it holds a {type(arrays).__name__}, not named arrays"
        for name, (shape, dtype) in expected.items():
            if name not in arrays:
                return f"the array {name!r} is missing"
            arr = arrays[name]
            if arr.shape != tuple(shape) or arr.dtype != np.dtype(dtype):
                return (
                    f"the array {name!r} has shape {arr.shape} and dtype {arr.dtype}, "
                    f"expected {tuple(shape)} and {np.dtype(dtype)}"
                )
            if not np.isfinite(arr).all():
                return f"the array {name!r} holds NaN or inf"
        return None

    return check


def check_state_dict(state, reference: Mapping) -> str | None:
    """What is wrong with ``state`` as a state dict for a module whose own is ``reference`` (or ``None``).

    The keys must be the same, and every tensor must have the reference's shape and dtype and
    hold finite values.
    """
    import torch

    if not isinstance(state, Mapping):
        return f"it holds a {type(state).__name__}, not a state dict"
    missing, extra = set(reference) - set(state), set(state) - set(reference)
    if missing or extra:
        return f"its tensors do not match the network (missing {sorted(missing)[:3]}, unexpected {sorted(extra)[:3]})"
    for name, ref in reference.items():
        t = state[name]
        if not isinstance(t, torch.Tensor):
            return f"{name!r} is a {type(t).__name__}, not a tensor"
        if t.shape != ref.shape or t.dtype != ref.dtype:
            return (
                f"the tensor {name!r} has shape {tuple(t.shape)} and dtype {t.dtype}, but the network "
                f"needs {tuple(ref.shape)} and {ref.dtype}"
            )
        if t.is_floating_point() and not torch.isfinite(t).all():
            return f"the tensor {name!r} holds NaN or inf"
    return None
