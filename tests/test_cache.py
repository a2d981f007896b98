"""The on-disk cache: atomic writes and defensive reads that never unpickle (netequiv.chapters.cache)."""

import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from netequiv.chapters import cache
from netequiv.chapters.cache import CacheWarning, check_arrays, load_npz, read_entry, save_npz

SRC = Path(__file__).resolve().parents[1] / "src" / "netequiv"


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path / "c"))
    assert cache.cache_dir("models", "x") == tmp_path / "c" / "models" / "x"
    assert (tmp_path / "c" / "models" / "x").is_dir()


def test_read_entry_round_trip_and_missing_file(tmp_path):
    path = save_npz(tmp_path / "a.npz", x=np.arange(3.0))
    check = check_arrays({"x": ((3,), np.float64)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(read_entry(path, load_npz, check)["x"], np.arange(3.0))
        assert read_entry(tmp_path / "missing.npz", load_npz, check) is None  # no warning either
    assert CacheWarning.__mro__[1] is UserWarning


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("truncated", r"it cannot be read \(BadZipFile\)"),
        ("empty", r"it cannot be read \(\w+\)"),
        ("wrong shape", r"the array 'x' has shape \(4,\) and dtype float64, expected \(3,\) and float64"),
        ("wrong dtype", r"the array 'x' has shape \(3,\) and dtype int64, expected \(3,\) and float64"),
        ("missing", r"the array 'x' is missing"),
        ("nan", r"the array 'x' holds NaN or inf"),
        ("pickle", r"it cannot be read \(ValueError\)"),
    ],
)
def test_unusable_npz_entries_warn_and_give_none(damage, reason, tmp_path):
    path = tmp_path / "a.npz"
    save_npz(path, x=np.arange(3.0))
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-40])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "wrong shape":
        save_npz(path, x=np.arange(4.0))
    elif damage == "wrong dtype":
        save_npz(path, x=np.arange(3))
    elif damage == "missing":
        save_npz(path, y=np.arange(3.0))
    elif damage == "nan":
        save_npz(path, x=np.array([0.0, np.nan, 1.0]))
    else:  # an object array can only be read by unpickling it: refused
        with zipfile.ZipFile(path, "w") as zf, zf.open("x.npy", "w") as fh:
            np.lib.format.write_array(fh, np.array([{"payload": 1}] * 3, dtype=object), allow_pickle=True)
    expected = re.escape(f"ignoring the unusable cache entry {path}: ") + reason + "; recomputing"
    with pytest.warns(CacheWarning, match=expected):
        assert read_entry(path, load_npz, check_arrays({"x": ((3,), np.float64)})) is None
    assert path.exists()  # left for the caller to overwrite


def test_unusable_torch_entries_warn_without_unsafe_advice(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "m.pt"
    net = torch.nn.Linear(2, 3)
    torch.save(net.state_dict(), path)

    def check(state):
        return cache.check_state_dict(state, net.state_dict())

    assert read_entry(path, cache.load_torch, check).keys() == net.state_dict().keys()
    torch.save(torch.nn.Linear(2, 4).state_dict(), path)
    with pytest.warns(CacheWarning, match=r"'weight' has shape \(4, 2\).*needs \(3, 2\)"):
        assert read_entry(path, cache.load_torch, check) is None
    torch.save({"weight": np.arange(3)}, path)  # a numpy array needs unpickling of numpy objects
    with pytest.warns(CacheWarning) as rec:
        assert read_entry(path, cache.load_torch, check) is None
    message = str(rec[0].message)
    assert "cannot be read (UnpicklingError)" in message
    assert "weights_only" not in message and "allow_pickle" not in message


def test_no_message_in_the_package_advises_unpickling():
    """Neither code nor messages suggest allow_pickle=True or weights_only=False."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text()
        for pattern in (r"allow_pickle\s*=\s*True", r"weights_only\s*=\s*False"):
            offenders += [f"{path.name}: {m.group()}" for m in re.finditer(pattern, text)]
    assert not offenders


_TRAIN_ONE = """
import json
import numpy as np
from netequiv.chapters.nets import fit_mlp
x = np.linspace(0, 1, 200)[:, None]
_, info = fit_mlp(x, np.sin(3 * x), hidden=(16, 16), epochs=1500, polish_iter=0, name="lock-test", progress=False)
print(json.dumps(info["cache_hit"]))
"""


def test_two_processes_that_need_the_same_network_train_it_once(tmp_path):
    # started together, both look for the entry before either can have written it; without
    # entry_lock both would train (about a second each), with it the second waits and reads
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "NETEQUIV_CACHE": str(tmp_path), "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen([sys.executable, "-c", _TRAIN_ONE], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    hits = sorted(json.loads(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert hits == [False, True]
    assert len(list((tmp_path / "models").glob("lock-test-*.pt"))) == 1


def test_entry_lock_is_released_by_an_exception(tmp_path):
    path = tmp_path / "entry.npz"
    with pytest.raises(RuntimeError), cache.entry_lock(path):
        raise RuntimeError("training failed")
    with cache.entry_lock(path):  # a second, blocking acquisition in the same process returns
        pass
    with cache.entry_lock(None):
        pass
