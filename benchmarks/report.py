"""Plot and table for the performance chapter, from the committed JSON results.

    .venv/bin/python benchmarks/report.py

Writes book/_static_perf/dmap_time_vs_n.png (log-log time against N, every method) and replaces
the tables between the ``<!-- perf:... -->`` markers of book/performance.md with markdown
tables generated from benchmarks/results/*.json.  The book build reads only these static files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RES = HERE / "results"
PNG = ROOT / "book" / "_static_perf" / "dmap_time_vs_n.png"
CHAPTER = ROOT / "book" / "performance.md"

STYLE = {
    "ours_euclidean": ("C0", "o", "-"),
    "ours_mahalanobis": ("C0", "s", "--"),
    "sklearn_lobpcg": ("C1", "^", "-"),
    "sklearn_arpack": ("C2", "v", "-"),
    "pydiffmap": ("C3", "D", "-"),
    "datafold": ("C4", "P", "-"),
}


def load(name):
    p = RES / name
    return json.loads(p.read_text()) if p.exists() else None


def fmt_t(r):
    if r.get("time_s") is None:
        return r.get("error", "—").split(":")[0]
    return f"{r['time_s']:.2f}"


def fmt_m(r):
    return f"{r['peak_rss_mb']:.0f}" if r.get("peak_rss_mb") else "—"


def table_dmap(res):
    lines = [
        "| data | N | method | neighbours | time (s) | peak RSS (MB) | time / ours (Euclidean) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in res["rows"]:
        nb = r.get("mean_neighbors") if r["method"].startswith("ours") else r.get("n_neighbors_used")
        nb = "" if nb is None else nb
        nb = f"{nb:.0f}" if isinstance(nb, float) else str(nb)
        ratio = r.get("time_ratio_to_ours_euclidean")
        lines.append(
            f"| {r['data']} | {r['n']:,} | {r['method']} | {nb} | {fmt_t(r)} | {fmt_m(r)} | "
            f"{'' if ratio is None else f'{ratio:.2f}'} |"
        )
    return "\n".join(lines)


def table_simple(res, cols):
    head = "| " + " | ".join(c for c, _ in cols) + " |\n|" + "---|" * len(cols)
    body = []
    for r in res["rows"]:
        cells = []
        for _, key in cols:
            v = key(r) if callable(key) else r.get(key, "")
            if isinstance(v, float):
                v = f"{v:.3g}"
            cells.append(str(v))
        body.append("| " + " | ".join(cells) + " |")
    return head + "\n" + "\n".join(body)


def table_crosscheck(res):
    lines = [
        "| problem | N | metric | peer | max abs eigenvalue diff | min R² | pass |",
        "|---|---:|---|---|---:|---:|---|",
    ]
    for r in res["rows"]:
        for peer in ("datafold", "pydiffmap"):
            if peer in r:
                c = r[peer]
                lines.append(
                    f"| {r['problem']} | {r['n']} | {r['metric']} | {peer} | {c['eig_max_abs_diff']:.1e} | "
                    f"{c['r2_min']:.6f} | {'yes' if c['pass'] else 'NO'} |"
                )
    return "\n".join(lines)


def plot(res):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    datas = list(dict.fromkeys(r["data"] for r in res["rows"]))
    fig, axes = plt.subplots(1, len(datas), figsize=(5.2 * len(datas), 4.2), squeeze=False)
    for ax, data in zip(axes[0], datas):
        for m, (c, mk, ls) in STYLE.items():
            pts = sorted(
                (r["n"], r["time_s"]) for r in res["rows"] if r["data"] == data and r["method"] == m and r.get("time_s")
            )
            if pts:
                ax.loglog(*zip(*pts), color=c, marker=mk, ls=ls, label=m)
        ns = sorted({r["n"] for r in res["rows"] if r["data"] == data})
        ax.set_xticks(ns, [f"{n:,}" for n in ns])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_title(data)
        ax.set_xlabel("N (points)")
        ax.set_ylabel("time (s)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    PNG.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PNG, dpi=110)


def replace(text, tag, table):
    pat = re.compile(rf"(<!-- perf:{tag} -->\n).*?(<!-- /perf:{tag} -->)", re.S)
    return pat.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)


def main():
    text = CHAPTER.read_text()
    dm = load("dmap.json")
    if dm:
        plot(dm)
        text = replace(text, "dmap", table_dmap(dm))
    mh = load("mahalanobis.json")
    if mh:
        text = replace(
            text,
            "mahalanobis",
            table_simple(
                mh,
                [
                    ("data", "data"),
                    ("N", "n"),
                    ("method", "method"),
                    ("time (s)", fmt_t),
                    ("peak RSS (MB)", fmt_m),
                    ("datafold / ours", lambda r: r.get("speedup_ours_vs_datafold", "")),
                    ("max eigenvalue diff", lambda r: r.get("max_eigenvalue_diff_vs_ours", "")),
                ],
            ),
        )
    jc = load("jacobians.json")
    if jc:
        text = replace(
            text,
            "jacobians",
            table_simple(
                jc,
                [
                    ("observed", "case"),
                    ("N", "n"),
                    ("Jacobians", lambda r: "x".join(map(str, r["jacobian_shape"]))),
                    ("time (s, best of 3)", "time_s"),
                    ("max abs diff. to finite differences", "fd_max_abs_err"),
                    ("max abs diff. to observe", "max_abs_diff_vs_observe"),
                    ("peak RSS (MB)", fmt_m),
                ],
            ),
        )
    mi = load("million.json")
    if mi:
        text = replace(
            text,
            "million",
            table_simple(
                mi,
                [
                    ("case", "label"),
                    ("N", "n"),
                    ("method", "method"),
                    ("settings", "settings"),
                    ("neighbours", lambda r: r.get("mean_neighbors", "")),
                    ("time (s)", fmt_t),
                    ("peak RSS (MB)", fmt_m),
                    (
                        "min R² vs default (64k)",
                        lambda r: f"{r['r2_vs_default_min']:.5f}" if "r2_vs_default_min" in r else "",
                    ),
                ],
            ),
        )
    xc = load("crosscheck.json")
    if xc:
        text = replace(text, "crosscheck", table_crosscheck(xc))
    CHAPTER.write_text(text)
    print("updated", CHAPTER, "and", PNG)


if __name__ == "__main__":
    main()
