#!/usr/bin/env python3
"""Measures `pinn bench train klein-gordon` and the PyTorch peer in the same run and prints a Markdown section.

Usage: python3 benchmarks/compare_pytorch.py [--pinn "dotnet src/PinnServe.Cli/bin/Release/net10.0/pinn.dll"]
Build first: dotnet build src/PinnServe.Cli -c Release. The PyTorch peer needs Debian python3-torch and
libopenblas0-pthread; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are unset for the peer so OpenBLAS picks its own kernels, and
OMP_NUM_THREADS/OPENBLAS_NUM_THREADS are set to the thread count (its fastest configuration here).
"""
import argparse, datetime, json, os, platform, shlex, subprocess, sys
from compare_engine import json_lines as last_json

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pinn", default="dotnet src/PinnServe.Cli/bin/Release/net10.0/pinn.dll")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--models", nargs="+", default=["M1", "M2", "M3", "M4"])
    ap.add_argument("--measure", type=int, default=1000)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    peer_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    rows = []
    for model in a.models:
        ours = {t: last_json(shlex.split(a.pinn) + ["bench", "train", "klein-gordon", "--model", model, "--threads", str(t),
                                                   "--measure", str(a.measure), "--repeats", "5", "--json"])[-1] for t in (1, 2)}
        # torch.set_num_threads alone leaves OpenBLAS's own pthreads spinning; pin both pools to the thread count.
        peer = {}
        for t in (1, 2):
            env = dict(peer_env, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS=str(t))
            peer[t] = last_json([a.python, os.path.join(here, "pytorch_klein_gordon.py"), "--model", model, "--threads", str(t),
                                 "--warmup", "100", "--measure", str(a.measure // 2)], env=env)[-1]
        best_peer = min(peer.values(), key=lambda r: r["ms_per_iter"])
        best_ours = min(ours.values(), key=lambda r: r["ms_per_iter"])
        rows.append((model, ours, peer, best_ours, best_peer))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC on {cpu} ({os.cpu_count()} logical CPUs), "
          f"{peer[1]['torch'] if rows else ''} PyTorch; command: `python3 benchmarks/compare_pytorch.py`.\n")
    print("| model | PinnServe 1 thread (ms/iter) | PinnServe 2 threads | PyTorch 1 thread | PyTorch 2 threads | speed-up (best vs best) | PinnServe alloc B/iter | PinnServe GFLOP/s (% of peak) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for model, ours, peer, bo, bp in rows:
        print(f"| {model} | {ours[1]['ms_per_iter']:.3f} | {ours[2]['ms_per_iter']:.3f} | {peer[1]['ms_per_iter']:.2f} | {peer[2]['ms_per_iter']:.2f} | "
              f"**{bp['ms_per_iter'] / bo['ms_per_iter']:.1f}x** | {ours[1]['allocated_bytes_per_iter']:.1f} | "
              f"{ours[1]['gflops']:.1f} ({100 * ours[1]['fraction_of_peak']:.0f}%) |")
    print()
    print(json.dumps({"rows": [{"model": m, "pinnserve": o, "pytorch": p} for m, o, p, _, _ in rows]}), file=sys.stderr)

if __name__ == "__main__":
    main()
