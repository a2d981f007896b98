"""Pairwise work on a dask.distributed cluster: compare every pair of a network zoo.

:func:`run_pairs` evaluates ``func(items[i], items[j])`` for a list of index pairs on
worker processes and collects one row per pair; :func:`rows_to_matrix` turns the
rows into an (n, n) matrix.  A pair whose function raises is retried and, if it
keeps failing, reported as an error row: one bad pair never loses the others.

dask is an optional dependency (the ``book`` extra, ``dask[distributed]``); it is
imported only when :func:`run_pairs` runs.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
import traceback
from collections.abc import Callable, Iterable, Sequence

import numpy as np

__all__ = ["run_pairs", "rows_to_matrix", "all_pairs"]


def _check_int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if int(value) < low:
        raise ValueError(f"{name} must be >= {low}, got {value}.")
    return int(value)


def all_pairs(n: int, *, ordered: bool = True, diagonal: bool = False) -> list[tuple[int, int]]:
    """Index pairs of ``n`` items, sorted.

    Parameters
    ----------
    n : int
        Number of items (>= 1).
    ordered : bool, default=True
        All ordered pairs (i, j), i != j (both directions: n (n - 1) pairs); if False,
        only i < j (n (n - 1) / 2 pairs).
    diagonal : bool, default=False
        Also include the pairs (i, i).

    Returns
    -------
    list of tuple of int

    Raises
    ------
    ValueError
        "n must be an integer" / "n must be >= 1".

    Examples
    --------
    >>> all_pairs(3)
    [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    >>> all_pairs(3, ordered=False, diagonal=True)
    [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    """
    n = _check_int(n, "n", 1)
    return [(i, j) for i in range(n) for j in range(n) if (i != j or diagonal) and (ordered or i <= j)]


def _check_pairs(pairs, n: int) -> list[tuple[int, int]]:
    try:
        raw = list(pairs)
    except TypeError:
        raise ValueError(f"pairs must be an iterable of (i, j) index pairs, got {type(pairs).__name__}.") from None
    out = []
    for p in raw:
        try:
            i, j = p
        except (TypeError, ValueError):
            raise ValueError(f"every pair must be a 2-tuple (i, j) of item indices, got {p!r}.") from None
        for v in (i, j):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 0 <= v < n:
                raise ValueError(f"pair {p!r} holds an index outside 0..{n - 1} (there are {n} items).")
        out.append((int(i), int(j)))
    if len(set(out)) != len(out):
        seen, dup = set(), None
        for p in out:
            if p in seen:
                dup = p
                break
            seen.add(p)
        raise ValueError(f"pair {dup} appears more than once in pairs; pass each pair once.")
    return out


def _evaluate(func, a, b) -> dict:
    """Run on a worker: call ``func(a, b)``, never raise, time the call."""
    t0 = time.perf_counter()
    try:
        result = func(a, b)
    except Exception as exc:  # reported back as data, retried by the caller
        return {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "seconds": time.perf_counter() - t0,
        }
    return {"ok": True, "result": result, "seconds": time.perf_counter() - t0}


def run_pairs(
    func: Callable,
    items: Sequence,
    pairs: Iterable[tuple[int, int]],
    *,
    client=None,
    address: str | None = None,
    n_workers: int = 2,
    retries: int = 1,
    progress: bool = True,
) -> list[dict]:
    """Evaluate ``func(items[i], items[j])`` for every pair (i, j) on a dask cluster.

    Parameters
    ----------
    func : callable
        ``func(a, b) -> result`` called with the two *items* (not their indices).  It
        must be picklable by cloudpickle (module-level functions, closures and lambdas
        are) and should be deterministic.  Its result travels back to the caller, so
        keep it small (a float, a dict of floats).
    items : sequence of length n
        The objects compared (e.g. arrays of observations, or paths to saved
        networks).  Each item is sent to the cluster once (as the input of one
        task that the pair tasks depend on), not once per pair.
    pairs : iterable of (int, int)
        Index pairs into ``items``; each at most once.  See :func:`all_pairs`.
    client : distributed.Client, optional
        Use this client; it is left open.
    address : str, optional
        Address of a running scheduler, e.g. ``"tcp://127.0.0.1:8786"``; a client is
        opened for the call and closed afterwards.
    n_workers : int, default=2
        When neither ``client`` nor ``address`` is given, a ``LocalCluster`` with this
        many worker processes (one thread each, no dashboard, logs silenced below
        ERROR) is started for the call and shut down at the end, also on error.
    retries : int, default=1
        How many times a pair whose ``func`` raised (or whose task failed on the
        cluster, e.g. ``KilledWorker``) is submitted again before it is reported as an error row.
    progress : bool, default=True
        Show a tqdm progress bar (on stderr) as results arrive.

    Returns
    -------
    list of dict
        One row per pair, sorted by (i, j) so that reruns give identical lists
        (apart from ``"seconds"``).  Keys: ``"i"``, ``"j"``, ``"attempts"`` (number of
        submissions, 1 to ``retries + 1``), ``"seconds"`` (wall time of ``func`` in
        the last attempt; NaN when the task itself failed on the cluster), and either ``"result"`` (the
        return value) or ``"error"`` (``"ExceptionType: message"`` of the last
        attempt) together with ``"traceback"`` (its formatted traceback).

    Raises
    ------
    ValueError
        "func must be callable"; "items must be a sequence ..."; "pairs must be an
        iterable ..." / "every pair must be a 2-tuple ..." / "pair ... holds an index
        outside ..." / "pair ... appears more than once ..."; "n_workers/retries must
        be ..."; "pass either client or address, not both".
    ImportError
        When dask.distributed is not installed (``pip install "dask[distributed]"``).

    Notes
    -----
    Pairs are submitted all at once; dask schedules them on free workers and the
    results are consumed with ``distributed.as_completed`` as they finish.  A failed
    attempt is resubmitted immediately (``pure=False``, so a fresh task), which is
    why ``func`` is wrapped to return its exception as data instead of raising: the
    caller counts attempts itself and a failure can never cancel the other pairs.
    Errors raised by the cluster itself are treated like exceptions of ``func``.
    When ``func`` kills its worker process (segfault, out of memory), dask reruns the
    task elsewhere up to ``distributed.scheduler.allowed-failures`` times (default 3)
    before it fails with ``KilledWorker``; that counts as one attempt here.  The
    items are held as ordinary task results (not ``client.scatter``-ed data), so the
    scheduler can recompute those lost with a dead worker and the other pairs are
    unaffected.

    A ``LocalCluster`` uses the ``spawn`` start method: in a script, call
    :func:`run_pairs` under ``if __name__ == "__main__":``.

    Examples
    --------
    >>> import numpy as np
    >>> from netequiv.baselines import linear_cka
    >>> reps = [np.random.default_rng(s).normal(size=(50, 3)) for s in range(3)]
    >>> rows = run_pairs(linear_cka, reps, all_pairs(3), progress=False)  # doctest: +SKIP
    >>> rows_to_matrix(rows, 3).shape  # doctest: +SKIP
    (3, 3)
    """
    if not callable(func):
        raise ValueError(f"func must be callable as func(items[i], items[j]), got {type(func).__name__}.")
    if isinstance(items, (str, bytes)) or not hasattr(items, "__len__") or not hasattr(items, "__getitem__"):
        raise ValueError(f"items must be a sequence (list, tuple) of objects, got {type(items).__name__}.")
    items = [items[k] for k in range(len(items))]
    pairs = _check_pairs(pairs, len(items))
    n_workers = _check_int(n_workers, "n_workers", 1)
    retries = _check_int(retries, "retries", 0)
    if client is not None and address is not None:
        raise ValueError("pass either client or address, not both.")
    if not pairs:
        return []

    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "run_pairs needs dask.distributed; install it with pip install 'dask[distributed]' "
            "(it is part of netequiv's 'book' extra)."
        ) from exc

    if client is not None:
        return _run(client, func, items, pairs, retries, progress)
    if address is not None:
        with Client(address, set_as_default=False) as own:
            return _run(own, func, items, pairs, retries, progress)
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            # the scheduler's HTTP server binds a port even without a dashboard: a free one,
            # so that a second cluster on the machine neither fails nor warns
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as own,
    ):
        return _run(own, func, items, pairs, retries, progress)


def _identity(x):
    return x


def _run(client, func, items, pairs, retries, progress) -> list[dict]:
    import dask
    from distributed import as_completed
    from tqdm import tqdm

    # Each item needed by some pair is sent once, as the argument of a trivial task whose
    # result the pair tasks depend on.  Unlike scattered data, a task result can be
    # recomputed by the scheduler when the worker holding it dies, so a crashing pair
    # never takes the inputs of the other pairs down with it.  An item travels inside that
    # one task only; dask's "large graph" warning (meant for data repeated across many
    # tasks) does not apply, so its threshold is lifted for these submissions alone.
    needed = sorted({k for p in pairs for k in p})
    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1000 TiB"}):
        remote = {k: client.submit(_identity, items[k], pure=False) for k in needed}

    def submit(i, j):
        return client.submit(_evaluate, func, remote[i], remote[j], pure=False)

    def collect(fut) -> dict:
        """The wrapper's dict, or a failure dict when the task itself failed (worker lost ...)."""
        try:
            if fut.status == "finished":
                return fut.result()
            exc = fut.exception()
        except Exception as caught:  # cancelled/lost between the status check and the fetch
            exc = caught
        if exc is None:
            return {
                "ok": False,
                "seconds": math.nan,
                "traceback": "",
                "error": f"task {fut.status}: its worker or input data was lost",
            }
        return {
            "ok": False,
            "seconds": math.nan,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        }

    meta = {}
    for i, j in pairs:
        meta[submit(i, j)] = (i, j, 1)
    stream = as_completed(list(meta), loop=client.loop)
    rows = []
    n_failed = 0
    with tqdm(total=len(pairs), desc="pairs", unit="pair", disable=not progress) as bar:
        for fut in stream:
            i, j, attempt = meta.pop(fut)
            out = collect(fut)
            fut.release()
            if not out["ok"] and attempt <= retries:
                try:
                    new = submit(i, j)
                except Exception as exc:  # the cluster cannot take more work: report, do not raise
                    out = {
                        "ok": False,
                        "seconds": math.nan,
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc(),
                    }
                else:
                    meta[new] = (i, j, attempt + 1)
                    stream.add(new)
                    continue
            row = {"i": i, "j": j, "attempts": attempt, "seconds": float(out["seconds"])}
            if out["ok"]:
                row["result"] = out["result"]
            else:
                row["error"] = out["error"]
                row["traceback"] = out["traceback"]
                n_failed += 1
                bar.set_postfix(failed=n_failed)
            rows.append(row)
            bar.update(1)
    for f in remote.values():
        f.release()
    rows.sort(key=lambda r: (r["i"], r["j"]))
    return rows


def rows_to_matrix(rows: Iterable[dict], n: int, key: str | Callable | None = None) -> np.ndarray:
    """Collect the rows of :func:`run_pairs` into an (n, n) float matrix.

    Parameters
    ----------
    rows : iterable of dict
        Rows with keys ``"i"``, ``"j"`` and ``"result"`` or ``"error"``.
    n : int
        Number of items (the matrix is n x n).
    key : None, str or callable, default=None
        How to get a number from a row's result: None, the result itself; a string,
        ``result[key]`` (results that are dicts); a callable, ``key(result)``.

    Returns
    -------
    ndarray of shape (n, n)
        ``M[i, j]`` is the value of pair (i, j); NaN for error rows and for pairs that
        have no row (e.g. the diagonal).

    Raises
    ------
    ValueError
        "n must be ..."; "row ... has no ..." for malformed rows; "row (i, j) index
        outside ..."; "the result of pair (i, j) ... is not a number ...".

    Examples
    --------
    >>> rows = [{"i": 0, "j": 1, "result": 0.5}, {"i": 1, "j": 0, "error": "boom"}]
    >>> rows_to_matrix(rows, 2)
    array([[nan, 0.5],
           [nan, nan]])
    """
    n = _check_int(n, "n", 1)
    M = np.full((n, n), np.nan)
    for row in rows:
        try:
            i, j = row["i"], row["j"]
        except (TypeError, KeyError):
            raise ValueError(f"row {row!r} has no 'i' and 'j' entries; pass the rows of run_pairs.") from None
        if not (0 <= i < n and 0 <= j < n):
            raise ValueError(f"row ({i}, {j}) index outside 0..{n - 1}; is n={n} right?")
        if "result" not in row:
            if "error" not in row:
                raise ValueError(f"row ({i}, {j}) has neither 'result' nor 'error'.")
            continue
        res = row["result"]
        try:
            value = res if key is None else (key(res) if callable(key) else res[key])
            M[i, j] = float(value)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise ValueError(
                f"the result of pair ({i}, {j}) gives no number with key={key!r}: {type(exc).__name__}: {exc}; "
                "pass key= to pick a field of dict results."
            ) from None
    return M
