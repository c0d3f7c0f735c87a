#!/usr/bin/env python3
"""Measures `pinn bench train` on the catalog's problems and their PyTorch peers in the same run, and prints the
Markdown tables of docs/benchmarks.md: per core (1 thread each) and best against best, with the CPU model, its
vector extensions and its measured FMA peak named.

For each problem: PinnServe at 1 thread and at every core, then at every core with AVX-512 disabled
(DOTNET_EnableAVX512F=0: 256-bit kernels) and with AVX2 disabled too (DOTNET_EnableAVX2=0: the 128-bit path an ARM64
NEON machine takes); Allen-Cahn also in float64. PyTorch (benchmarks/pytorch_peers.py; Klein-Gordon:
pytorch_klein_gordon.py) at 1 thread and at every core with OMP/OpenBLAS pinned to that count, in two variants: the
method as specified (per-term gradients for the adaptive weights every 10 steps) and a plain autograd.grad loop (one
loss, one backward); the faster of the two is the peer. With --rounds R everything runs R times, interleaved, and each
configuration keeps its fastest round (on a shared machine the fastest is the least disturbed).

Build first: dotnet build src/PinnServe.Cli -c Release.
Usage: python3 benchmarks/compare_engine.py [--seconds 6] [--rounds 2] [--problems allen-cahn burgers] [--per-core-only]
"""
import argparse, datetime, json, os, platform, shlex, subprocess, sys

CASES = [("klein-gordon", "M1"), ("poisson-2d", "DN"), ("burgers", "DN"), ("cavity", "M4"), ("allen-cahn", "DN")]
FLOAT64 = {"allen-cahn"}


def json_lines(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout.strip().splitlines()
    return [json.loads(l) for l in out if l.startswith("{")]


def cpu_info():
    model, flags = platform.processor(), set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return model, flags


def faster(a, b):
    return a if b is None or (a is not None and a["ms_per_iter"] <= b["ms_per_iter"]) else b


def blas_library(python):
    """The BLAS the peer's torch loads: Debian's torch links the generic libblas.so.3, which is the slow reference BLAS
    unless libopenblas0-pthread is installed (the peer then runs 3-4x slower and every lead is inflated)."""
    probe = ("import torch, os\n"
             "maps = open(f'/proc/{os.getpid()}/maps').read().split()\n"
             "print(next((os.path.realpath(m) for m in maps if 'libblas.so' in m or 'openblas' in m), 'unknown'))")
    try:
        return subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pinn", default="dotnet src/PinnServe.Cli/bin/Release/net10.0/pinn.dll")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--problems", nargs="+", default=[p for p, _ in CASES])
    ap.add_argument("--per-core-only", action="store_true",
                    help="only the 1-thread runs of both sides (and float64 at 1 thread): the per-core table, in a fraction of the time")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    cores = os.cpu_count()
    model_name, flags = cpu_info()
    has512 = "avx512f" in flags
    base_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "PINNSERVE_SIMD_BITS")}
    blas = blas_library(a.python)
    if "openblas" not in blas:
        sys.exit(f"error: the PyTorch peer loads {os.path.basename(blas)}, not OpenBLAS: it would run several times slower than "
                 "its users see it. Install it: apt-get install libopenblas0-pthread")
    load_start = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.timezone.utc)
    best = {}   # (problem, configuration) -> fastest row over the rounds

    def keep(key, row):
        best[key] = faster(row, best.get(key))

    for rnd in range(a.rounds):
        for problem, model in CASES:
            if problem not in a.problems:
                continue

            def ours(threads, precision="float32", **env):
                cmd = shlex.split(a.pinn) + ["bench", "train", problem, "--model", model, "--threads", str(threads),
                                             "--precision", precision, "--seconds", str(a.seconds), "--json"]
                return json_lines(cmd, dict(base_env, **env))[-1]

            keep((problem, "one"), ours(1))
            if not a.per_core_only:
                keep((problem, "all"), ours(cores))
                keep((problem, "no512"), ours(cores, DOTNET_EnableAVX512F="0"))
                keep((problem, "no256"), ours(cores, DOTNET_EnableAVX512F="0", DOTNET_EnableAVX2="0"))
            if problem in FLOAT64:
                keep((problem, "f64 one"), ours(1, "float64"))
                if not a.per_core_only:
                    keep((problem, "f64 all"), ours(cores, "float64"))
            for t in ([1] if a.per_core_only else sorted({1, cores})):
                env = dict(base_env, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS=str(t))
                if problem == "klein-gordon":   # M1 has no adaptive weights: the method is the plain loop
                    cmd = [a.python, os.path.join(here, "pytorch_klein_gordon.py"), "--model", model, "--threads", str(t), "--warmup", "100", "--measure", "500"]
                    keep((problem, f"torch {t}"), json_lines(cmd, env)[-1])
                    continue
                for variant in ("method", "plain"):
                    cmd = [a.python, os.path.join(here, "pytorch_peers.py"), "--problem", problem, "--threads", str(t),
                           "--seconds", str(a.seconds), "--variant", variant]
                    keep((problem, f"torch {t}"), json_lines(cmd, env)[-1])
            print(f"round {rnd + 1}: measured {problem}", file=sys.stderr)

    problems = [(p, m) for p, m in CASES if p in a.problems]
    first = best[(problems[0][0], "one")]
    torch_version = best[(problems[0][0], "torch 1")]["torch"]
    print(f"Measured {started:%Y-%m-%d %H:%M} UTC on {model_name} ({cores} logical CPUs; vector extensions: "
          f"{first.get('cpu_flags', '?')}; the engine ran {first['simd_bits']}-bit kernels), PyTorch {torch_version} with OpenBLAS ({os.path.basename(blas)}); "
          f"measured one-core float32 FMA peak {first['peak_gflops_one_core']:.0f} GFLOP/s; load average {load_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end; command: `python3 benchmarks/compare_engine.py --seconds {a.seconds:g} --rounds {a.rounds}"
          f"{' --per-core-only' if a.per_core_only else ''}`.\n")

    print("Per core (1 thread each; PyTorch: the faster of the method and a plain autograd.grad loop):\n")
    print("| problem | PinnServe ms/step | PyTorch ms/step (variant) | per-core lead | lead by CPU time | PinnServe GFLOP/s | % of 1-core peak |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for p, m in problems:
        one, peer = best[(p, "one")], best[(p, "torch 1")]
        cpu_lead = f"{peer['cpu_ms_per_iter'] / one['cpu_ms_per_iter']:.2f}x" if "cpu_ms_per_iter" in peer else "-"
        print(f"| {p} {m} ({one['layers']}, {one['points_per_step']} points) | {one['ms_per_iter']:.2f} | {peer['ms_per_iter']:.2f} ({peer.get('variant', '?')}) | "
              f"**{peer['ms_per_iter'] / one['ms_per_iter']:.2f}x** | {cpu_lead} | {one['gflops']:.0f} | {100 * one['fraction_of_peak']:.0f}% |")

    if a.per_core_only:
        print_float64(best, problems, cores, one_thread_only=True)
        return
    print(f"\nBest against best (each side at its faster thread count, 1 or {cores}):\n")
    print(f"| problem | PinnServe {cores} threads ms/step | scaling | GFLOP/s | % of {cores}-core peak | PinnServe best | PyTorch best (threads, variant) | "
          f"lead | AVX-512 off | AVX2 off too | alloc B/step |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p, m in problems:
        one, every = best[(p, "one")], best[(p, "all")]
        ours_best = faster(one, every)
        peer = min((best[(p, f"torch {t}")] for t in sorted({1, cores})), key=lambda r: r["ms_per_iter"])
        no512 = (f"{best[(p, 'no512')]['ms_per_iter']:.2f} ({every['ms_per_iter'] / best[(p, 'no512')]['ms_per_iter']:.2f}x)"
                 if has512 else "n/a (no AVX-512)")
        no256 = best[(p, "no256")]
        print(f"| {p} {m} | {every['ms_per_iter']:.2f} | {one['ms_per_iter'] / every['ms_per_iter']:.2f}x | {every['gflops']:.0f} | "
              f"{100 * every['fraction_of_peak']:.0f}% | {ours_best['ms_per_iter']:.2f} ({ours_best['threads']}) | "
              f"{peer['ms_per_iter']:.2f} ({peer['threads']}, {peer.get('variant', '?')}) | **{peer['ms_per_iter'] / ours_best['ms_per_iter']:.2f}x** | "
              f"{no512} | {no256['ms_per_iter']:.2f} ({every['ms_per_iter'] / no256['ms_per_iter']:.2f}x) | {every['allocated_bytes_per_iter']:.0f} |")

    print_float64(best, problems, cores, one_thread_only=False)


def print_float64(best, problems, cores, one_thread_only):
    f64 = [p for p, _ in problems if (p, "f64 one") in best]
    if f64:
        print("\nfloat64 (`--precision float64`; the peak is a float64 FMA loop):\n")
        if one_thread_only:
            print("| problem | 1 thread ms/step | GFLOP/s | % of 1-core float64 peak |")
            print("| --- | --- | --- | --- |")
        else:
            print(f"| problem | 1 thread ms/step | GFLOP/s | % of 1-core float64 peak | {cores} threads ms/step | GFLOP/s | % of {cores}-core float64 peak |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
        for p in f64:
            o = best[(p, "f64 one")]
            row = f"| {p} | {o['ms_per_iter']:.2f} | {o['gflops']:.0f} | {100 * o['fraction_of_peak']:.0f}% |"
            if not one_thread_only:
                e = best[(p, "f64 all")]
                row += f" {e['ms_per_iter']:.2f} | {e['gflops']:.0f} | {100 * e['fraction_of_peak']:.0f}% |"
            print(row)
    print()
    print(json.dumps({"rows": {f"{k[0]} {k[1]}": v for k, v in best.items()}}), file=sys.stderr)


if __name__ == "__main__":
    main()
