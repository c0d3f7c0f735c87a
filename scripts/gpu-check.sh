#!/usr/bin/env bash
# The GPU device check for issue 12, in two halves.
#
#   scripts/gpu-check.sh build [BUNDLE_DIR]   (here, with the .NET SDK)
#       Publishes `pinn` self-contained for linux-x64 as one compressed file, adds this script and the PyTorch
#       peers, and packs BUNDLE_DIR (default artifacts/gpu-check) into BUNDLE_DIR.tar.gz; fails if the archive
#       exceeds 60 MiB.
#
#   ./gpu-check.sh run                        (on the GPU machine, inside the unpacked bundle; no .NET, no network)
#       Needs an NVIDIA driver (libcuda.so) and python3 with PyTorch (CUDA). Writes under $OUT (default ./out):
#       gpu.txt, parity.jsonl (device vs the CPU engine), pinn.jsonl (`pinn bench train --device cuda`),
#       torch.jsonl (the same iterations in PyTorch on CUDA) and summary.txt (ms/step side by side, ratio).
#       Each command is capped by `timeout` so the whole check ends in a few minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:-}"
max_bytes=$((60 * 1024 * 1024))

build() {
    local repo bundle
    repo="$(cd "$here/.." && pwd)"
    bundle="${1:-$repo/artifacts/gpu-check}"
    rm -rf "$bundle" "$bundle.tar.gz"
    mkdir -p "$bundle"
    # One compressed single file (untrimmed it is ~62 MiB: runtime, ASP.NET Core, ILGPU, ONNX Runtime's 28 MB .so).
    # Partial trimming drops unused framework code only: PinnServe's and ILGPU's assemblies stay whole, since ILGPU
    # reads the kernels' IL by reflection at run time; System.Text.Json keeps its reflection mode (run configs).
    dotnet publish "$repo/src/PinnServe.Cli" -c Release -r linux-x64 --self-contained true \
        -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
        -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true -p:JsonSerializerIsReflectionEnabledByDefault=true \
        -p:DebugType=none -p:GenerateDocumentationFile=false -o "$bundle" --nologo
    cp "$here/gpu-check.sh" "$repo/benchmarks/pytorch_peers.py" "$repo/benchmarks/pytorch_klein_gordon.py" "$bundle/"
    tar -C "$(dirname "$bundle")" -czf "$bundle.tar.gz" "$(basename "$bundle")"
    local size
    size=$(stat -c %s "$bundle.tar.gz")
    echo "bundle: $bundle.tar.gz, $((size / 1024 / 1024)) MiB ($size bytes; budget 60 MiB)"
    if (( size > max_bytes )); then echo "error: the bundle exceeds 60 MiB" >&2; exit 1; fi
    echo "copy it to the GPU machine, then: tar xzf $(basename "$bundle").tar.gz && cd $(basename "$bundle") && OUT=/some/dir ./gpu-check.sh run"
}

run() {
    # One shard per term on the GPU (each shard is its own series of kernel launches).
    local out="${OUT:-$here/out}" seconds="${SECONDS_PER_BENCH:-6}" cap="${CAP_SECONDS:-150}" slice="${SLICE_POINTS:-1000000}"
    mkdir -p "$out"
    cd "$here"
    # The single file extracts its native libraries here (the default, ~/.net, may not be writable).
    export DOTNET_BUNDLE_EXTRACT_BASE_DIR="${DOTNET_BUNDLE_EXTRACT_BASE_DIR:-$out/.dotnet-bundle}"
    { date -u; nvidia-smi -L 2>&1 || echo "nvidia-smi not found"; python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' 2>&1 || true; } | tee "$out/gpu.txt"
    : > "$out/parity.jsonl"; : > "$out/pinn.jsonl"; : > "$out/torch.jsonl"

    echo "== parity: device vs CPU engine (worst relative loss / ∇θ / θ; target ≤ 1e-4)"
    for args in "klein-gordon --model M4 --steps 20" "cavity --model M4 --steps 10" "allen-cahn --model DN --steps 5" "allen-cahn --model DN --causal-chunks 32 --causal-tol 100 --steps 5"; do
        # shellcheck disable=SC2086
        timeout "$cap" ./pinn bench parity $args --device cuda --slice-points "$slice" --json 2>&1 | tee -a "$out/parity.log" | tail -n 1 >> "$out/parity.jsonl" || echo "parity $args: failed or timed out (see parity.log)"
    done

    echo "== pinn bench train --device cuda (${seconds} s per problem)"
    for args in "klein-gordon --model M4" "cavity --model M4" "allen-cahn --model DN" "allen-cahn --model DN --causal-chunks 32 --causal-tol 100" "burgers --model DN"; do
        # shellcheck disable=SC2086
        timeout "$cap" ./pinn bench train $args --device cuda --slice-points "$slice" --seconds "$seconds" --json 2>&1 | tee -a "$out/pinn.log" | tail -n 1 >> "$out/pinn.jsonl" || echo "bench $args: failed or timed out (see pinn.log)"
    done

    echo "== PyTorch on CUDA, the same iterations"
    timeout "$cap" python3 pytorch_klein_gordon.py --model M4 --device cuda --threads 1 --warmup 50 --measure 300 2>&1 | tee -a "$out/torch.log" | tail -n 1 >> "$out/torch.jsonl" || echo "torch klein-gordon: failed (see torch.log)"
    for problem in cavity allen-cahn burgers; do
        timeout "$cap" python3 pytorch_peers.py --problem "$problem" --device cuda --threads 1 --seconds "$seconds" 2>&1 | tee -a "$out/torch.log" | tail -n 1 >> "$out/torch.jsonl" || echo "torch $problem: failed (see torch.log)"
    done

    python3 - "$out" <<'PY' | tee "$out/summary.txt"
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
def rows(name):
    result = []
    for line in (out / name).read_text().splitlines():
        try: result.append(json.loads(line))
        except ValueError: pass
    return result
print("parity (device vs CPU engine):")
for r in rows("parity.jsonl"):
    print(f"  {r['problem']:13} {r['model']:3} {r['steps']:3} steps: loss {r['worst_loss_relative']:.2e}, grad {r['worst_gradient_relative']:.2e}, theta {r['theta_relative']:.2e} {'ok' if r['ok'] else 'MISMATCH'}")
torch = {r.get("problem", "klein-gordon"): r for r in rows("torch.jsonl")}
print("ms per training step, same run:")
print(f"  {'problem':13} {'model':5} {'pinn cuda':>10} {'torch cuda':>10} {'torch/pinn':>10}")
for r in rows("pinn.jsonl"):
    t = torch.get(r["problem"])
    ratio = f"{t['ms_per_iter'] / r['ms_per_iter']:.2f}x" if t else "-"
    print(f"  {r['problem']:13} {r['model']:5} {r['ms_per_iter']:10.3f} {(t['ms_per_iter'] if t else float('nan')):10.3f} {ratio:>10}")
PY
}

case "$mode" in
    build) shift; build "$@" ;;
    run) run ;;
    *) echo "usage: $0 build [BUNDLE_DIR] | $0 run   (see the header of this script)" >&2; exit 2 ;;
esac
