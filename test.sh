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
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
rm -f "$log"
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit "$status"
