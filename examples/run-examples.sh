#!/usr/bin/env bash
# Packs PinnServe's library projects and the `pinn` tool into artifacts/packages, then builds and runs the
# examples against those packages, as a user's own projects would: (a) a PDE defined through the C# API,
# trained and exported; (b) particles advected through models/cavity-m4.onnx; (c) every problem file in
# examples/problems with the packed `pinn` tool.
#
#   examples/run-examples.sh            full: Release pack of every project, library-api to its quality target
#                                       (3,000 iterations, relative L2 < 0.05), problem files parsed, heat-2d and
#                                       poisson-hole trained with their defaults to a relative L2 <= 1e-2
#                                       (~17 min on a busy 2-core machine)
#   examples/run-examples.sh --quick    CI: pack the Debug build (`--no-build`: the one `dotnet test` just made),
#                                       library-api for 300 iterations, and every problem file trained briefly
#                                       (tiny network, 30 iterations), evaluated and exported; checks that each
#                                       finishes and writes its outputs, not quality (~3 min)
#   --no-pack                           reuse artifacts/packages as it is
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0; pack=1; build=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --no-pack) pack=0 ;;
    --no-build) build=0 ;;
    *) echo "error: unknown option '$arg' (expected --quick, --no-pack, --no-build)" >&2; exit 2 ;;
  esac
done
feed=artifacts/packages
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
projects=(Tensors Autodiff Nn Contracts Reference Physics Engine Training Onnx Client Cli)
version=0.1.0
if [[ $quick == 1 && $pack == 1 ]]; then
  # A version of its own: concurrent runs (other worktrees) never share NuGet's cache entries of these packages.
  version="0.1.0-ci.$(date +%s).$$"
  trap 'rm -rf "$cache"/pinnserve.*/"$version"' EXIT
fi
if [[ $pack == 1 ]]; then
  rm -rf "$feed"
  if [[ $quick == 1 ]]; then
    # One pack over the solution (test projects and the server are not packable) reuses the Debug build.
    [[ $build == 1 ]] && dotnet build src/PinnServe.Cli -c Debug --nologo -v quiet
    dotnet pack PinnServe.sln -c Debug --no-build -p:Version="$version" -o "$feed" --nologo -v quiet
  else
    for p in "${projects[@]}"; do
      dotnet pack "src/PinnServe.$p" -c Release -o "$feed" --nologo -v quiet
    done
  fi
else
  version=$(basename "$(ls "$feed"/PinnServe.Tool.*.nupkg | head -1)" .nupkg); version=${version#PinnServe.Tool.}
fi
for p in "${projects[@]}"; do
  id="PinnServe.$p"; [[ $p == Cli ]] && id=PinnServe.Tool
  [[ -f "$feed/$id.$version.nupkg" ]] || { echo "error: $feed has no $id.$version.nupkg" >&2; exit 1; }
done
# Re-packed 0.1.0 packages must not be served from NuGet's cache of an earlier pack.
[[ $version == 0.1.0 ]] && rm -rf "$cache"/pinnserve.*
ls "$feed"
export PinnServeVersion="$version"   # the examples' package references (examples/Directory.Build.props)
out=artifacts/examples
rm -rf "$out"

echo "== (a) examples/library-api: a PDE through the C# API, trained and exported"
if [[ $quick == 1 ]]; then
  dotnet run --project examples/library-api -c Release -- --iters 300 --max-rel 1 --out "$out/library-api"
else
  dotnet run --project examples/library-api -c Release -- --iters 3000 --out "$out/library-api"
fi
[[ -s "$out/library-api/model.onnx" && -s "$out/library-api/summary.json" ]] || { echo "error: library-api wrote no model.onnx/summary.json" >&2; exit 1; }

echo "== (b) examples/particles: RK4 particles through the cavity surrogate"
dotnet run --project examples/particles -c Release -- models/cavity-m4.onnx

echo "== (c) examples/problems: every problem file with the packed pinn tool"
tools=artifacts/tools
rm -rf "$tools"
mkdir -p "$out/problems"
dotnet tool install PinnServe.Tool --tool-path "$tools" --add-source "$feed" --version "$version" >/dev/null
for f in examples/problems/*.toml examples/problems/*.yaml; do
  "$tools/pinn" problems --file "$f" --json | tail -1 | grep -q '"problem"' || { echo "failed to parse: $f"; exit 1; }
  if [[ $quick == 1 ]]; then
    # Fresh small batches whatever the file's defaults (full-batch problems have 10^4-point sets): a smoke run.
    run="$out/problems/$(basename "$f")"
    "$tools/pinn" train "$f" --iters 30 --layers 2x8 --full-batch false --batch 32 --eval-grid 11 --out "$run" --json >"$run.log" 2>&1 \
      || { echo "failed to train: $f"; tail -5 "$run.log"; exit 1; }
    tail -1 "$run.log" | grep -q '"status":"completed"' || { echo "did not complete: $f"; tail -5 "$run.log"; exit 1; }
    for file in config.json metrics.csv checkpoint.json network.json summary.json "problem.${f##*.}"; do
      [[ -s "$run/$file" ]] || { echo "missing $file in the run of $f"; exit 1; }
    done
    "$tools/pinn" eval "$run" --json | tail -1 | grep -q '"rel_l2"' || { echo "failed to evaluate: $f"; exit 1; }
    "$tools/pinn" export "$run" --out "$run/model.onnx" --json >/dev/null && [[ -s "$run/model.onnx" ]] || { echo "failed to export: $f"; exit 1; }
    echo "ok: $f (trained, evaluated, exported)"
  else
    echo "ok: $f"
  fi
done
if [[ $quick == 0 ]]; then
  # Issue 13's target: PDEs that are not built in, written only as files, train to a relative L2 <= 1e-2 with the
  # files' default settings (about 15 s and 2 min on this 2-core machine).
  for f in examples/problems/heat-2d.toml examples/problems/poisson-hole.toml; do
    rel=$("$tools/pinn" train "$f" --out "$out/problems/$(basename "$f")" --json | tail -1 | grep -oE '"rel_l2":[0-9.eE+-]+' | cut -d: -f2)
    awk -v r="${rel:-nan}" 'BEGIN { exit !(r + 0 == r && r <= 1e-2) }' || { echo "failed: $f trained to a relative L2 of ${rel:-none} (target <= 1e-2)"; exit 1; }
    echo "ok: $f relative L2 $rel <= 1e-2"
  done
fi
echo "examples: all passed"
