#!/usr/bin/env python3
"""Measures `pinn bench train` on the catalog's large-batch problems and their PyTorch peers in the same run, and
prints a Markdown table for docs/benchmarks.md.

For each problem: PinnServe at 1 thread and at every core; at every core again with AVX-512 disabled
(DOTNET_EnableAVX512F=0: 256-bit kernels) and with AVX2 disabled too (DOTNET_EnableAVX2=0: the 128-bit path an
ARM64 NEON machine takes); PyTorch (benchmarks/pytorch_peers.py, Klein-Gordon: pytorch_klein_gordon.py) at 1
thread and at every core with OMP/OpenBLAS pinned to that count. Build first: dotnet build src/PinnServe.Cli -c Release.

Usage: python3 benchmarks/compare_engine.py [--seconds 8] [--problems burgers cavity]
"""
import argparse, datetime, json, os, platform, shlex, subprocess, sys

CASES = [("klein-gordon", "M1"), ("poisson-2d", "DN"), ("burgers", "DN"), ("cavity", "M4"), ("allen-cahn", "DN")]

def json_lines(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout.strip().splitlines()
    return [json.loads(l) for l in out if l.startswith("{")]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pinn", default="dotnet src/PinnServe.Cli/bin/Release/net10.0/pinn.dll")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--problems", nargs="+", default=[p for p, _ in CASES])
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    cores = os.cpu_count()
    base_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "PINNSERVE_SIMD_BITS")}
    rows = []
    for problem, model in CASES:
        if problem not in a.problems:
            continue
        def ours(threads, **env):
            cmd = shlex.split(a.pinn) + ["bench", "train", problem, "--model", model, "--threads", str(threads), "--seconds", str(a.seconds), "--json"]
            return json_lines(cmd, dict(base_env, **env))[-1]
        r = {"problem": problem, "model": model, "one": ours(1), "all": ours(cores),
             "no512": ours(cores, DOTNET_EnableAVX512F="0"), "no256": ours(cores, DOTNET_EnableAVX512F="0", DOTNET_EnableAVX2="0")}
        peer = {}
        for t in sorted({1, cores}):
            env = dict(base_env, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS=str(t))
            if problem == "klein-gordon":
                cmd = [a.python, os.path.join(here, "pytorch_klein_gordon.py"), "--model", model, "--threads", str(t), "--warmup", "100", "--measure", "500"]
            else:
                cmd = [a.python, os.path.join(here, "pytorch_peers.py"), "--problem", problem, "--threads", str(t), "--seconds", str(a.seconds)]
            peer[t] = json_lines(cmd, env)[-1]
        r["peer"] = peer
        rows.append(r)
        print(f"measured {problem}", file=sys.stderr)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    torch_version = next(iter(rows[0]["peer"].values()))["torch"] if rows else "?"
    print(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {cpu} ({cores} logical CPUs), PyTorch "
          f"{torch_version} with OpenBLAS; measured one-core peak {rows[0]['one']['peak_gflops']:.0f} GFLOP/s (float32 FMA loop); "
          f"command: `python3 benchmarks/compare_engine.py --seconds {a.seconds:g}`.\n")
    print(f"| problem | PinnServe 1 thread (ms/step) | {cores} threads | scaling | GFLOP/s ({cores} threads) | % of measured peak | "
          f"PyTorch best (threads) | PinnServe lead | AVX-512 off | AVX2 off too | alloc B/step |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        one, every = r["one"], r["all"]
        best = min(r["peer"].values(), key=lambda p: p["ms_per_iter"])
        ours_best = min(one["ms_per_iter"], every["ms_per_iter"])
        print(f"| {r['problem']} {r['model']} ({one['layers']}, {one['points_per_step']} points) | {one['ms_per_iter']:.2f} | {every['ms_per_iter']:.2f} | "
              f"{one['ms_per_iter'] / every['ms_per_iter']:.2f}x | {every['gflops']:.0f} | {100 * every['fraction_of_peak']:.0f}% | "
              f"{best['ms_per_iter']:.1f} ({best['threads']}) | **{best['ms_per_iter'] / ours_best:.1f}x** | "
              f"{r['no512']['ms_per_iter']:.2f} ({every['ms_per_iter'] / r['no512']['ms_per_iter']:.2f}x) | "
              f"{r['no256']['ms_per_iter']:.2f} ({every['ms_per_iter'] / r['no256']['ms_per_iter']:.2f}x) | {every['allocated_bytes_per_iter']:.0f} |")
    print()
    print(json.dumps({"rows": rows}), file=sys.stderr)

if __name__ == "__main__":
    main()
