#!/usr/bin/env python3
"""Relative L² against training step for every seed of some rows of a `pinn reproduce` experiment, as one SVG.

    python3 scripts/plot_error_curves.py runs/reproduce/burgers-table1 --rows pinn,id-β-0.99,dn-β-0.99 \
        --out docs/images/burgers-table1-curves.svg

Reads each trial's metrics.csv (the rel_l2_* column of the problem's first evaluated field unless --column is
given). With --kept, a trial that ran with --adam-keep-best gets a circle at the step whose parameters it kept,
at the error those parameters have (summary.json). Standard library only, so it runs wherever the tests run.
"""
import argparse, csv, json, math, pathlib, sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2", "#7f7f7f", "#bcbd22"]
DASHES = ["", "6,3", "2,2", "8,3,2,3", "12,4", "1,3", "8,2,2,2,2,2"]


def read_curve(path, column):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return []
    name = column or next((c for c in rows[0] if c.startswith("rel_l2_")), None)
    if name is None:
        raise SystemExit(f"{path}: no rel_l2_* column")
    return [(int(r["step"]), float(r[name])) for r in rows if r.get(name)]


def read_kept(metrics_path):
    """(step, error) of the parameters a --adam-keep-best trial ended on, or None."""
    summary = metrics_path.parent / "summary.json"
    if not summary.exists():
        return None
    s = json.loads(summary.read_text())
    keep, fields = s.get("adam_keep_best"), s.get("rel_l2_fields")
    if not keep or not fields or s.get("status") != "completed":
        return None
    return keep["best_step"], next(iter(fields.values()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment", help="runs/reproduce/ID")
    ap.add_argument("--rows", required=True, help="comma-separated row folders")
    ap.add_argument("--column", help="metrics.csv column (default: the first rel_l2_*)")
    ap.add_argument("--title", default=None)
    ap.add_argument("--from-step", type=int, default=0, help="plot only steps ≥ this (zoom on the end of training)")
    ap.add_argument("--mark", type=int, action="append", default=[], help="a vertical line at this step (e.g. where L-BFGS starts)")
    ap.add_argument("--seeds", help="comma-separated seed numbers to plot (default: every seed-* folder)")
    ap.add_argument("--kept", action="store_true", help="circle the step each --adam-keep-best trial kept, at its final error")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    root = pathlib.Path(a.experiment)
    series = []
    for i, row in enumerate(a.rows.split(",")):
        seeds = sorted((root / row).glob("seed-*/metrics.csv"))
        if a.seeds:
            seeds = [m for m in seeds if m.parent.name.removeprefix("seed-") in a.seeds.split(",")]
        if not seeds:
            sys.exit(f"no trials under {root / row}")
        for j, m in enumerate(seeds):
            curve = [(s, v) for s, v in read_curve(m, a.column) if s >= a.from_step]
            if curve:
                series.append((f"{row} {m.parent.name}", COLORS[i % len(COLORS)], DASHES[j % len(DASHES)], curve,
                               read_kept(m) if a.kept else None))
    steps = [s for _, _, _, c, _ in series for s, _ in c]
    values = [v for _, _, _, c, _ in series for _, v in c if v > 0]
    x0, x1 = a.from_step, max(steps)
    y0, y1 = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    R = max(190, int(6.5 * max(len(label) for label, _, _, _, _ in series)) + 50)  # legend column wide enough for its labels
    W, H, L, T, B = 570 + R, 420, 70, 30, 45
    px = lambda s: L + (s - x0) / max(1, x1 - x0) * (W - L - R)
    py = lambda v: T + (y1 - math.log10(v)) / (y1 - y0) * (H - T - B)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18" font-size="13">{a.title or root.name + ": relative L² during training"}</text>']
    for e in range(y0, y1 + 1):
        y = py(10.0 ** e)
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">1e{e}</text>')
    for k in range(6):
        s = x0 + (x1 - x0) * k / 5
        x = px(s)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{T}" y2="{H - B}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{H - B + 15}" text-anchor="middle">{int(s):,}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 8}" text-anchor="middle">step (epoch)</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#333"/>')
    for step in a.mark:
        x = px(step)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{T}" y2="{H - B}" stroke="#888" stroke-dasharray="3,3"/>')
        out.append(f'<text x="{x + 4:.1f}" y="{T + 12}" fill="#555">{step:,}</text>')
    for n, (label, color, dash, curve, kept) in enumerate(series):
        pts = " ".join(f"{px(s):.1f},{py(v):.1f}" for s, v in curve if v > 0)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.4" stroke-dasharray="{dash}" points="{pts}"/>')
        if kept and kept[1] > 0:
            out.append(f'<circle cx="{px(kept[0]):.1f}" cy="{py(kept[1]):.1f}" r="5" fill="none" stroke="{color}" stroke-width="2"/>')
        ly = T + 12 + 16 * n
        out.append(f'<line x1="{W - R + 10}" x2="{W - R + 34}" y1="{ly - 4}" y2="{ly - 4}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{W - R + 40}" y="{ly}">{label}</text>')
    if any(k for *_, k in series):
        ly = T + 12 + 16 * len(series)
        out.append(f'<circle cx="{W - R + 22}" cy="{ly - 4}" r="5" fill="none" stroke="#333" stroke-width="2"/>')
        out.append(f'<text x="{W - R + 40}" y="{ly}">kept step, its error</text>')
    out.append("</svg>")
    pathlib.Path(a.out).write_text("\n".join(out) + "\n")
    print(f"wrote {a.out} ({len(series)} curves)")


if __name__ == "__main__":
    main()
