#!/usr/bin/env bash
# calls/s of 64 clients of 1-point queries against one `pinn serve` replica and against three, in the same run
# (docs/benchmarks.md, "Serving replicas"). Starts three replicas on 127.0.0.1:50081-50083, runs
# `pinn bench-serve --target` against the first alone and against all three as a client-side balanced list
# (alternately, twice each), and stops the replicas by PID.
#   scripts/bench-replicas.sh [MODEL] [EXTRA bench-serve options...]
# Needs a Release build: dotnet build src/PinnServe.Cli -c Release
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-burgers-dn}"; shift || true
pinn=(dotnet src/PinnServe.Cli/bin/Release/net10.0/pinn.dll)
[[ -f "${pinn[1]}" ]] || { echo "build first: dotnet build src/PinnServe.Cli -c Release" >&2; exit 2; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
for port in 50081 50082 50083; do
  "${pinn[@]}" serve --models models --address "127.0.0.1:$port" >/dev/null 2>&1 &
  pids+=("$!")
done
for port in 50081 50082 50083; do   # until the port accepts connections (models load before Kestrel listens)
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
done
grep -m1 'model name' /proc/cpuinfo; echo "cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
common=(bench-serve models --model "$model" --concurrency 64 --concurrent-calls 10000 --warmup-seconds 5 --points 100000 --json "$@")
for round in 1 2; do
  # one replica: 64 clients over 3 HTTP/2 connections; three replicas: one balanced channel = one connection to each
  echo "round $round, 1 replica:  $("${pinn[@]}" "${common[@]}" --target 127.0.0.1:50081 --connections 3 | tail -1)"
  echo "round $round, 3 replicas: $("${pinn[@]}" "${common[@]}" --target 127.0.0.1:50081,127.0.0.1:50082,127.0.0.1:50083 --connections 1 | tail -1)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
