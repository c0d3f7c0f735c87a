#!/usr/bin/env bash
# Packs PinnServe's library projects and the `pinn` tool into artifacts/packages, then builds and runs the
# examples against those packages, as a user's own projects would: (a) a PDE defined through the C# API,
# trained and exported; (b) particles advected through models/cavity-m4.onnx; (c) every problem file parsed
# by the packed `pinn` tool. About 14 minutes on a busy 2-core machine (a Release pack of every project). Usage: examples/run-examples.sh [--no-pack]
set -euo pipefail
cd "$(dirname "$0")/.."
feed=artifacts/packages
projects=(Tensors Autodiff Nn Contracts Reference Physics Training Onnx Client Cli)
if [[ "${1:-}" != "--no-pack" ]]; then
  rm -rf "$feed"
  for p in "${projects[@]}"; do
    dotnet pack "src/PinnServe.$p" -c Release -o "$feed" --nologo -v quiet
  done
fi
# Re-packed 0.1.0 packages must not be served from NuGet's cache of an earlier pack.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/pinnserve.*
ls "$feed"

echo "== (a) examples/library-api: a PDE through the C# API, trained and exported"
dotnet run --project examples/library-api -c Release -- --iters 3000 --out artifacts/examples/library-api

echo "== (b) examples/particles: RK4 particles through the cavity surrogate"
dotnet run --project examples/particles -c Release -- models/cavity-m4.onnx

echo "== (c) examples/problems: every problem file parses with the packed pinn tool"
tools=artifacts/tools
rm -rf "$tools"
dotnet tool install PinnServe.Tool --tool-path "$tools" --add-source "$feed" --version 0.1.0 >/dev/null
for f in examples/problems/*.toml; do
  "$tools/pinn" problems --file "$f" --json | tail -1 | grep -q '"problem"' || { echo "failed: $f"; exit 1; }
  echo "ok: $f"
done
echo "examples: all passed"
