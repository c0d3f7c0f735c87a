#!/usr/bin/env python3
"""Per-trial error statistics of some rows of a `pinn reproduce` experiment, as a markdown table.

    python3 scripts/error_stats.py runs/reproduce/dn-lp-table4 --rows β-0.9-p-1,β-0.9-p-1-keep-best-100 --from-step 21000

For each trial (row folder / seed-N) it prints the error the run ends with, the median and the lowest of the
errors evaluated at steps ≥ --from-step, the step of that lowest one, and for an --adam-keep-best trial the step it
kept; then each row's means. The lowest evaluated error is an oracle: picking it needs the reference solution,
which no rule in `pinn train` looks at. It is here to measure how far a reference-free rule is from it, and to
compare with results that were selected that way.

A keep-best trial that went back to an earlier step measured its last metrics row after the restore, so that row is
the kept error, not the trajectory's; the median and the lowest leave it out. Standard library only, so it runs wherever the tests run.
"""
import argparse, json, pathlib, statistics, sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from plot_error_curves import read_curve  # noqa: E402


def trial_stats(seed_dir, column, from_step):
    """None for a trial without a completed summary or without evaluations in the window."""
    summary_path = seed_dir / "summary.json"
    if not summary_path.exists():
        return None
    summary = json.loads(summary_path.read_text())
    if summary.get("status") != "completed":
        return None
    curve = read_curve(seed_dir / "metrics.csv", column)
    keep = summary.get("adam_keep_best")
    if keep and curve and keep["best_step"] != curve[-1][0]:
        curve = curve[:-1]  # measured after the restore
    window = [(step, err) for step, err in curve if step >= from_step]
    if not window:
        return None
    final = summary.get("rel_l2")
    if final is None and not keep:
        final = curve[-1][1]
    low_step, low = min(window, key=lambda p: p[1])
    return {
        "final": final,
        "median": statistics.median(err for _, err in window),
        "lowest": low,
        "lowest_step": low_step,
        "kept_step": keep["best_step"] if keep else None,
    }


def fmt(x):
    return "–" if x is None else f"{x:.2e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment", help="runs/reproduce/ID")
    ap.add_argument("--rows", required=True, help="comma-separated row folders")
    ap.add_argument("--column", help="metrics.csv column (default: the first rel_l2_*)")
    ap.add_argument("--from-step", type=int, default=0, help="the window's first step (default: every evaluation)")
    args = ap.parse_args()

    root = pathlib.Path(args.experiment)
    lines = [f"| row | seed | final | median (steps ≥ {args.from_step}) | lowest evaluated (oracle) | at step | kept step |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    means = []
    for row in args.rows.split(","):
        row_dir = root / row
        if not row_dir.is_dir():
            raise SystemExit(f"no row folder '{row}' in {root.name}")
        trials = []
        seeds = sorted((d for d in row_dir.glob("seed-*") if d.is_dir()), key=lambda d: int(d.name[5:]))
        for seed_dir in seeds:
            s = trial_stats(seed_dir, args.column, args.from_step)
            if s is None:
                continue
            trials.append(s)
            kept = "–" if s["kept_step"] is None else str(s["kept_step"])
            lines.append(f"| {row} | {seed_dir.name[5:]} | {fmt(s['final'])} | {fmt(s['median'])} | {fmt(s['lowest'])} | {s['lowest_step']} | {kept} |")
        if trials:
            mean = lambda key: statistics.fmean(t[key] for t in trials if t[key] is not None) if any(t[key] is not None for t in trials) else None
            means.append(f"| {row} | {len(trials)} | {fmt(mean('final'))} | {fmt(mean('median'))} | {fmt(mean('lowest'))} |")
    if not means:
        raise SystemExit("no completed trials in those rows")
    print("\n".join(lines))
    print()
    print(f"| row | trials | mean final | mean median (steps ≥ {args.from_step}) | mean lowest evaluated (oracle) |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(means))


if __name__ == "__main__":
    main()
