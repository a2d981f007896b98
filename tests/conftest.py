"""Shared test fixtures: run a chapter notebook once per session and read its numbers.

Every notebook in ``notebooks/`` has a cell tagged ``parameters`` with (at least)
``fast``, ``seed`` and ``results_dir``.  When ``results_dir`` is set, the notebook writes
its headline numbers as JSON to ``<results_dir>/<notebook stem>.json``, e.g.::

    if results_dir is not None:
        Path(results_dir).mkdir(parents=True, exist_ok=True)
        Path(results_dir, "exp_a_scalar.json").write_text(json.dumps(results, indent=2))

A test of a chapter's numbers then reads::

    def test_scalar_success_level(notebook_results):
        res = notebook_results("exp_a_scalar")      # runs the notebook once (fast mode)
        assert res["forward_nrmse"] < 8e-3

The notebook is executed at most once per test session, with papermill from this
environment, in fast mode (``-p fast True``), with its own folder as working directory;
:func:`run_notebook` does the work and is also used by ``tests/test_notebooks.py``.
"""

from __future__ import annotations

import os

# The test-suite is dominated by small dense linear algebra.  With one BLAS thread per
# core and several processes on a 2-core machine the threads oversubscribe the CPU (a
# 240 x 240 Cholesky factorisation was measured 60x slower); one thread per process is
# fastest here.  Set before numpy is imported; an explicit setting in the environment wins.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOK_TIMEOUT_S = 900  # per cell, as in _config.yml


def notebook_paths() -> list[Path]:
    """Every chapter notebook, sorted (checkpoints excluded)."""
    return sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


@dataclass
class NotebookRun:
    """Outcome of one papermill run."""

    name: str
    output: Path  # the executed notebook
    results_dir: Path
    returncode: int
    log: str  # papermill's stdout + stderr

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def results(self) -> dict:
        """The parsed ``<results_dir>/<name>.json``; fails the test if the run failed or wrote none."""
        if not self.ok:
            pytest.fail(f"notebook {self.name} failed, so it has no results:\n{self.failure_message()}")
        path = self.results_dir / f"{self.name}.json"
        if not path.is_file():
            pytest.fail(
                f"notebook {self.name} ran but wrote no {path.name} to results_dir; it must write "
                f"Path(results_dir, '{self.name}.json') when results_dir is set."
            )
        return json.loads(path.read_text())

    def failure_message(self, tail: int = 6000) -> str:
        return f"papermill exited with {self.returncode}; last output:\n{self.log[-tail:]}"


def run_notebook(name: str, workdir: Path, *, parameters: dict | None = None) -> NotebookRun:
    """Execute ``notebooks/<name>.ipynb`` in fast mode with papermill into ``workdir``.

    Parameters beyond ``fast=True`` and ``results_dir=<workdir>/results`` can be given as
    ``parameters`` (values passed as YAML through ``-y``).
    """
    source = NOTEBOOK_DIR / f"{name}.ipynb"
    if not source.is_file():
        pytest.fail(f"no notebook {source.relative_to(ROOT)}")
    workdir = Path(workdir)
    results_dir = workdir / "results"
    output = workdir / f"{name}.out.ipynb"
    cmd = [
        sys.executable,
        "-m",
        "papermill",
        str(source),
        str(output),
        "-p",
        "fast",
        "True",
        "-p",
        "results_dir",
        str(results_dir),
        "--cwd",
        str(source.parent),
        "-k",
        "python3",
        "--execution-timeout",
        str(NOTEBOOK_TIMEOUT_S),
        "--no-progress-bar",
    ]
    if parameters:
        cmd += ["-y", json.dumps(parameters)]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "BOOK_FAST": "1", "TQDM_DISABLE": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    keep = os.environ.get("NETEQUIV_EXECUTED_DIR")
    if keep and proc.returncode == 0:
        # `make test` builds the fast book from these copies (scripts/build_fast_book.py)
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy2(output, Path(keep) / f"{name}.ipynb")
    return NotebookRun(name, output, results_dir, proc.returncode, proc.stdout + proc.stderr)


def _shared_run(name: str, root: Path) -> NotebookRun:
    """Run ``name`` once under ``root``, even when several xdist workers ask for it.

    The first worker to take ``<root>/nb_<name>.lock`` executes the notebook and records the
    outcome in ``<root>/nb_<name>/run.json``; a worker that asks later waits for the lock and
    reads the record.  ``--dist loadgroup`` normally sends all tests of one notebook to one
    worker, but pytest 9.2 silently broke that grouping (pytest-xdist issue 1386), and a test
    module without its ``xdist_group`` mark would do the same: every notebook then ran on both
    workers, doubling the CPU time of ``make test``.  The lock makes a duplicate run impossible.
    """
    import resource
    import time

    from netequiv.chapters.cache import entry_lock

    workdir = root / f"nb_{name}"
    record = workdir / "run.json"
    with entry_lock(workdir):  # the lock file <root>/nb_<name>.lock, as for a cache entry
        if record.is_file():
            saved = json.loads(record.read_text())
            return NotebookRun(
                name, Path(saved["output"]), Path(saved["results_dir"]), saved["returncode"], saved["log"]
            )
        workdir.mkdir(parents=True, exist_ok=True)
        t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        run = run_notebook(name, workdir)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        saved = {"output": str(run.output), "results_dir": str(run.results_dir), "returncode": run.returncode}
        # papermill and its kernel, for the summary at the end of the session
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        timing = {"wall_s": time.perf_counter() - t0, "cpu_s": cpu}
        record.write_text(json.dumps({**saved, **timing, "log": run.log}))
        return run


@pytest.fixture(scope="session")
def notebook_run(tmp_path_factory):
    """``notebook_run(name) -> NotebookRun``: each notebook executes at most once per session.

    Under pytest-xdist the workers share one folder (the parent of their base temporary
    folders), so the notebook runs once for all of them (:func:`_shared_run`).
    """
    runs: dict[str, NotebookRun] = {}
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base

    def get(name: str) -> NotebookRun:
        if name not in runs:
            runs[name] = _shared_run(name, root)
        return runs[name]

    return get


@pytest.fixture(scope="session")
def notebook_results(notebook_run):
    """``notebook_results(name) -> dict``: the JSON the notebook wrote to ``results_dir``."""

    def get(name: str) -> dict:
        return notebook_run(name).results()

    return get


def pytest_collection_modifyitems(config, items):
    """A test that runs a notebook must name its xdist group (the notebook's stem, or the group
    of notebooks it shares a module with), so that ``--dist loadgroup`` keeps it on the worker
    that runs the notebook instead of idling on the other worker's lock."""
    missing = [
        item.nodeid
        for item in items
        if {"notebook_run", "notebook_results"} & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("xdist_group") is None
    ]
    if missing:
        raise pytest.UsageError(
            "tests that run a notebook need pytest.mark.xdist_group(<notebook>): " + ", ".join(missing)
        )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print each notebook's run time (papermill and its kernel, cold or warm cache as it was).

    Speed is reported here, not asserted: a timed test fails on a busy machine and passes on a
    fast one, and says nothing about the method.  Under xdist the controller reads the records
    that the workers left in the shared folder (:func:`_shared_run`).
    """
    factory = getattr(config, "_tmp_path_factory", None)
    if os.environ.get("PYTEST_XDIST_WORKER") or factory is None:
        return
    rows = []
    for record in factory.getbasetemp().glob("nb_*/run.json"):
        saved = json.loads(record.read_text())
        rows.append((record.parent.name[3:], saved.get("wall_s", float("nan")), saved.get("cpu_s", float("nan"))))
    if rows:
        terminalreporter.section("notebook run times (fast mode)")
        terminalreporter.write_line(f"{'notebook':<24}{'wall s':>8}{'CPU s':>8}")
        for name, wall, cpu in sorted(rows, key=lambda r: -r[1]):
            terminalreporter.write_line(f"{name:<24}{wall:8.1f}{cpu:8.1f}")
