#!/usr/bin/env bash
# Sets up PinnServe (NuGet restore and Release build; nothing but the .NET SDK is needed) and runs the main job: train the seed paper's
# Klein–Gordon problem with the modified MLP + learning-rate annealing (M4) and print its relative L2 error.
set -euo pipefail
cd "$(dirname "$0")"
command -v dotnet >/dev/null || { echo "error: the .NET SDK (dotnet) is required" >&2; exit 1; }
dotnet build src/PinnServe.Cli -c Release --nologo -v q
rm -rf runs/quickstart-kg-m4
exec dotnet src/PinnServe.Cli/bin/Release/net10.0/pinn.dll train klein-gordon --model M4 --iters "${ITERS:-5000}" --out runs/quickstart-kg-m4 "$@"
