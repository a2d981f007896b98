"""Numbers of the chapter *Verdicts across the book* (``notebooks/verdicts.ipynb``, fast mode)."""

import math

import pytest

from netequiv.chapters.verdicts import extreme_ratios, redecide, verdict_counts
from netequiv.comparison import VERDICT_DEFAULTS

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("verdicts")]


@pytest.fixture(scope="module")
def res(notebook_results):
    return notebook_results("verdicts")


def test_every_chapter_and_pair_is_there(res):
    chapters = [r["chapter"] for r in res["rows"]]
    # (a) its closing table, (b) four pairs, (c) two, the fast zoo's 9 members: 36 pairs
    assert {c: chapters.count(c) for c in set(chapters)} == {
        "exp_a_scalar": 7,
        "exp_b_two_inputs": 4,
        "exp_c_horse": 2,
        "zoo": 36,
    }
    assert res["counts"] == verdict_counts(res["rows"])


def test_no_equivalent_verdict_against_the_truth(res):
    wrong = [r["pair"] for r in res["rows"] if r["truth"] == "not equivalent" and r["verdict"] == "equivalent"]
    assert wrong == [] and res["mistakes"]["false_equivalent"] == 0
    # an equivalent pair is never called not equivalent either (failures stay inconclusive)
    assert res["mistakes"]["false_not_equivalent"] == 0


def test_verdict_counts_per_chapter(res):
    c = res["counts"]
    assert c["zoo"] == {"equivalent": 10, "not equivalent": 26, "inconclusive": 0}
    assert c["exp_a_scalar"] == {"equivalent": 4, "not equivalent": 3, "inconclusive": 0}
    assert c["exp_c_horse"] == {"equivalent": 1, "not equivalent": 1, "inconclusive": 0}
    # (b): the Euclidean kernel and the output alone cannot reproduce themselves (s >= tau)
    assert c["exp_b_two_inputs"] == {"equivalent": 2, "not equivalent": 0, "inconclusive": 2}


def test_every_verdict_follows_the_rule(res):
    tol, margin = VERDICT_DEFAULTS["tol"], VERDICT_DEFAULTS["margin"]
    for r in res["rows"]:
        assert redecide(r) == r["verdict"], r["pair"]
        worst = max(r["forward"], r["backward"])
        assert r["floor"] == max(r["self_a"], r["self_b"])
        if r["verdict"] == "equivalent":
            assert worst < r["threshold"] == tol
        elif r["verdict"] == "not equivalent":
            assert r["floor"] < tol <= worst and worst >= margin * r["floor"]


def test_extreme_margins(res):
    ext = res["extremes"]
    again = extreme_ratios(res["rows"])
    for key in ("largest_equivalent", "smallest_not_equivalent"):
        assert ext[key]["pair"] == again[key]["pair"]
        assert ext[key]["ratio"] == pytest.approx(again[key]["ratio"])
    largest_eq = ext["largest_equivalent"]["ratio"]
    smallest_ne = ext["smallest_not_equivalent"]["ratio"]
    assert math.isfinite(largest_eq) and math.isfinite(smallest_ne)
    # the two outcomes are separated on these pairs: no equivalent pair fails as far above its
    # floor as the closest not-equivalent one, and that one is well beyond the margin
    assert largest_eq < smallest_ne
    assert smallest_ne > 2 * VERDICT_DEFAULTS["margin"]
