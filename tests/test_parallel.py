"""run_pairs on a real 2-worker LocalCluster: retries, error rows, order, matrix."""

import logging
import math

import numpy as np
import pytest

from netequiv.parallel import all_pairs, rows_to_matrix, run_pairs

pytest.importorskip("distributed")


def _make_func(marker_dir):
    """func(a, b) = 10 a + b; pair (0, 1) fails on its first attempt only, (2, 0) always.

    Defined inside a function so cloudpickle ships it by value to the worker processes.
    The marker file in ``marker_dir`` tells a retry of (0, 1) from its first attempt.
    """

    def func(a, b):
        if (a, b) == (0, 1):
            marker = marker_dir / "pair_0_1_attempted"
            if not marker.exists():
                marker.touch()
                raise RuntimeError("transient failure on first attempt")
        if (a, b) == (2, 0):
            raise ValueError("this pair always fails")
        return {"value": 10 * a + b}

    return func


def _strip(rows):
    return [{k: v for k, v in r.items() if k not in ("seconds", "traceback")} for r in rows]


def _check_rows(rows, retries):
    assert [(r["i"], r["j"]) for r in rows] == all_pairs(3)  # sorted by (i, j)
    by = {(r["i"], r["j"]): r for r in rows}
    for (i, j), r in by.items():
        assert math.isfinite(r["seconds"]) and r["seconds"] >= 0
        if (i, j) == (2, 0):
            assert "result" not in r
            assert r["error"] == "ValueError: this pair always fails"
            assert "this pair always fails" in r["traceback"]
            assert r["attempts"] == retries + 1
        elif (i, j) == (0, 1) and retries == 0:
            assert r["error"] == "RuntimeError: transient failure on first attempt"
            assert r["attempts"] == 1
        else:
            assert "error" not in r
            assert r["result"] == {"value": 10 * i + j}
            assert r["attempts"] == (2 if (i, j) == (0, 1) else 1)


@pytest.mark.slow
def test_run_pairs_own_local_cluster(tmp_path):
    func = _make_func(tmp_path)
    rows = run_pairs(func, [0, 1, 2], all_pairs(3), n_workers=2, retries=1, progress=False)
    _check_rows(rows, retries=1)
    assert (tmp_path / "pair_0_1_attempted").exists()

    M = rows_to_matrix(rows, 3, key="value")
    assert M.shape == (3, 3)
    expected = np.array([[np.nan, 1, 2], [10, np.nan, 12], [np.nan, 21, np.nan]])
    np.testing.assert_array_equal(M, expected)  # NaN on the diagonal and on the failed pair


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    ) as c:
        yield c


@pytest.mark.slow
def test_run_pairs_on_client_and_address(cluster, tmp_path):
    from distributed import Client

    # address: run_pairs opens and closes its own client; retries=2 -> failing pairs tried 3 times.
    # The marker folder does not exist yet, so (0, 1) raises FileNotFoundError on every attempt.
    rows_a = run_pairs(
        _make_func(tmp_path / "a"), [0, 1, 2], all_pairs(3), address=cluster.scheduler_address, retries=2, progress=True
    )
    by = {(r["i"], r["j"]): r for r in rows_a}
    assert by[(0, 1)]["error"].startswith("FileNotFoundError")
    assert [(r["i"], r["j"]) for r in rows_a] == all_pairs(3)
    (tmp_path / "a").mkdir()
    assert by[(0, 1)]["attempts"] == 3 and by[(2, 0)]["attempts"] == 3

    with Client(cluster, set_as_default=False) as client:
        # retries=0: the transient failure is reported, not retried
        rows0 = run_pairs(_make_func(tmp_path / "a"), [0, 1, 2], all_pairs(3), client=client, retries=0, progress=False)
        _check_rows(rows0, retries=0)
        # rerun: marker exists now, so (0, 1) succeeds at once; order and values are reproducible
        rows1 = run_pairs(_make_func(tmp_path / "a"), [0, 1, 2], all_pairs(3), client=client, progress=False)
        rows2 = run_pairs(_make_func(tmp_path / "a"), [0, 1, 2], all_pairs(3), client=client, progress=False)
        assert _strip(rows1) == _strip(rows2)
        assert [r["attempts"] for r in rows1] == [1, 1, 1, 1, 2, 1]  # only (2, 0) retried
        # the given client is left open and usable
        assert client.submit(sum, [1, 2]).result() == 3
        # items are real objects, not just indices: arrays on the workers
        arrays = [np.full(4, float(k)) for k in range(3)]
        rows = run_pairs(lambda a, b: float(a @ b), arrays, all_pairs(3, ordered=False), client=client, progress=False)
        np.testing.assert_array_equal(
            rows_to_matrix(rows, 3), [[np.nan, 0, 0], [np.nan, np.nan, 8], [np.nan, np.nan, np.nan]]
        )
        # items above dask's 10 MB large-graph threshold go through without a warning
        # (warnings are errors here) and are each sent once
        big = [np.full(1_600_000, float(k)) for k in range(2)]  # 12.8 MB each
        rows = run_pairs(lambda a, b: float(a[-1] - b[-1]), big, all_pairs(2), client=client, progress=False)
        assert [r["result"] for r in rows] == [-1.0, 1.0]


def test_all_pairs():
    assert all_pairs(3) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    assert all_pairs(3, ordered=False) == [(0, 1), (0, 2), (1, 2)]
    assert len(all_pairs(24)) == 24 * 23
    assert all_pairs(2, diagonal=True) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    with pytest.raises(ValueError, match="n must be >= 1"):
        all_pairs(0)


def test_run_pairs_input_errors():
    f = lambda a, b: 0.0  # noqa: E731
    with pytest.raises(ValueError, match="func must be callable"):
        run_pairs(3, [1, 2], [(0, 1)])
    with pytest.raises(ValueError, match="items must be a sequence"):
        run_pairs(f, "ab", [(0, 1)])
    with pytest.raises(ValueError, match="outside 0..1"):
        run_pairs(f, [1, 2], [(0, 2)])
    with pytest.raises(ValueError, match="2-tuple"):
        run_pairs(f, [1, 2], [(0, 1, 1)])
    with pytest.raises(ValueError, match="more than once"):
        run_pairs(f, [1, 2], [(0, 1), (1, 0), (0, 1)])
    with pytest.raises(ValueError, match="retries must be >= 0"):
        run_pairs(f, [1, 2], [(0, 1)], retries=-1)
    with pytest.raises(ValueError, match="n_workers must be an integer"):
        run_pairs(f, [1, 2], [(0, 1)], n_workers=1.5)
    with pytest.raises(ValueError, match="either client or address"):
        run_pairs(f, [1, 2], [(0, 1)], client=object(), address="tcp://127.0.0.1:1")
    assert run_pairs(f, [1, 2], []) == []  # nothing to do: no cluster is started


def test_rows_to_matrix_errors_and_keys():
    rows = [{"i": 0, "j": 1, "result": (2.0, 3.0)}, {"i": 1, "j": 0, "error": "x"}]
    np.testing.assert_array_equal(rows_to_matrix(rows, 2, key=1), [[np.nan, 3.0], [np.nan, np.nan]])
    np.testing.assert_array_equal(rows_to_matrix(rows, 2, key=sum), [[np.nan, 5.0], [np.nan, np.nan]])
    with pytest.raises(ValueError, match="gives no number"):
        rows_to_matrix(rows, 2)
    with pytest.raises(ValueError, match="index outside"):
        rows_to_matrix(rows, 1, key=0)
    with pytest.raises(ValueError, match="neither 'result' nor 'error'"):
        rows_to_matrix([{"i": 0, "j": 0}], 1)
    with pytest.raises(ValueError, match="no 'i' and 'j'"):
        rows_to_matrix([{"j": 0}], 1)
