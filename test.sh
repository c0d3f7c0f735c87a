#!/usr/bin/env bash
# Runs every test project of the solution and ends with one summary line: "N passed, M failed".
# First makes sure the Debian packages the tests use (.ci/apt-packages.txt) are installed: with apt-get when it
# runs as root or can use sudo without a password; otherwise it prints the exact install command and stops.
set -uo pipefail
cd "$(dirname "$0")"
command -v dotnet >/dev/null || { echo "error: the .NET SDK (dotnet) is required: https://dotnet.microsoft.com/download" >&2; exit 1; }

pkgs=$(grep -vE '^\s*(#|$)' .ci/apt-packages.txt | tr '\n' ' ')
if command -v dpkg >/dev/null; then
  missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done)
  if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo="none"; fi
    if [ "$sudo" = "none" ]; then
      echo "error: the tests need these Debian packages: $missing" >&2
      echo "install them with:  sudo apt-get update && sudo apt-get install -y $missing" >&2
      exit 1
    fi
    echo "Installing the Debian packages the tests need: $missing"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null \
      || { echo "error: apt-get could not install: $missing" >&2; exit 1; }
  fi
else
  echo "warning: no dpkg here; the tests that need $pkgs fail with the command that installs each." >&2
fi

log=$(mktemp)
dotnet test PinnServe.sln --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The engine and training tests again on the narrower vector paths the kernels pick at start-up: 256-bit (AVX2,
# no AVX-512) and 128-bit (SSE, the width ARM64 NEON runs).
# On a CPU without AVX-512 the first pass above already ran the 256-bit path, so only the 128-bit pass is new there.
widths=("DOTNET_EnableAVX512F=0" "DOTNET_EnableAVX512F=0 DOTNET_EnableAVX2=0")
if ! grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  echo "== no AVX-512 on this CPU: the first pass ran the 256-bit kernels; adding the 128-bit pass only"
  widths=("DOTNET_EnableAVX512F=0 DOTNET_EnableAVX2=0")
fi
for flags in "${widths[@]}"; do
  for project in tests/PinnServe.Tensors.Tests tests/PinnServe.Autodiff.Tests tests/PinnServe.Nn.Tests tests/PinnServe.Engine.Tests tests/PinnServe.Training.Tests; do
    echo "== $project with $flags"
    env $flags dotnet test "$project" --no-build --nologo 2>&1 | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  done
done
# The examples as a user builds them (issue 13): pack the NuGet packages from the Debug build above into a local
# feed, build and run examples/library-api and examples/particles against it, and train, evaluate and export every
# problem file in examples/problems briefly with the packed `pinn` tool (about 2-4 minutes; the full run with the
# quality targets is `examples/run-examples.sh`).
echo "== examples/run-examples.sh --quick"
if examples/run-examples.sh --quick --no-build 2>&1; then examples="examples: passed"; else examples="examples: FAILED (see above)"; status=1; fi
# The GPU parity suite runs once per device (tests/PinnServe.Backends.Gpu.Tests, OnDeviceAttribute): a device this
# machine lacks (cuda without a GPU) is skipped with its reason, never silently; name the reason in the summary.
devices_not_run=$(grep -cE '^ +Skipped .*\(device: "' "$log")
if [ "$devices_not_run" -gt 0 ]; then
  reasons=$(dotnet test tests/PinnServe.Backends.Gpu.Tests --no-build --nologo --filter "DisplayName~cuda" \
    --logger "console;verbosity=normal" 2>&1 | grep -oE 'not run: .*' | sort -u | head -3)
fi
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
rm -f "$log"
echo "$examples"
[ "$devices_not_run" -gt 0 ] && echo "device tests not run here: $devices_not_run (${reasons:-see the [SKIP] lines above})"
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit "$status"
