#!/usr/bin/env bash
# Runs every test project of the solution and ends with one summary line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"
log=$(mktemp)
dotnet test PinnServe.sln --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
rm -f "$log"
echo "$passed passed, $failed failed"
exit "$status"
