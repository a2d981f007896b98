"""An on-disk cache for trained networks, rendered images and downloaded data.

Everything in the cache can be re-created from code; deleting it (``make clean-cache``)
is always safe.  Files are written atomically: to a temporary file in the same
folder, then renamed, so an interrupted run never leaves a half-written entry.

Location, first match wins:

1. the environment variable ``NETEQUIV_CACHE``;
2. ``.cache/`` at the root of the source checkout (ignored by git) when the package
   is installed in development mode from a checkout;
3. ``~/.cache/netequiv``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder inside the cache."""
    env = os.environ.get("NETEQUIV_CACHE")
    if env:
        root = Path(env)
    else:
        checkout = Path(__file__).resolve().parents[2]
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


def save_npz(path: str | os.PathLike, **arrays) -> Path:
    """Atomically write arrays to ``path`` (an ``.npz`` file, uncompressed)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    return path


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an ``.npz`` written by :func:`save_npz` (no pickles are ever loaded)."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}
