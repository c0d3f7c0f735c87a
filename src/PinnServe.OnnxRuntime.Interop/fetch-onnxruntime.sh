#!/usr/bin/env bash
# Fetches ONNX Runtime's official C# API sources and Linux x64 native library from the npm package
# named in SPEC §5 into a cache directory. Idempotent: a finished cache is marked by a stamp file and
# never downloaded again; a lock keeps parallel builds from fetching twice.
# Usage: fetch-onnxruntime.sh PACKAGE VERSION CACHE_DIR
set -euo pipefail
package="$1"; version="$2"; dest="$3"
stamp="$dest/.complete"
[ -f "$stamp" ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is required to fetch ONNX Runtime ($package@$version) at build time; install Node.js with npm and build again." >&2
  exit 1
fi

mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
command -v flock >/dev/null 2>&1 && flock 9
[ -f "$stamp" ] && exit 0

work="$(mktemp -d "$dest.tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "Fetching $package@$version from npm into $dest ..."
tarball="$(cd "$work" && npm pack --silent "$package@$version" 2>/dev/null | tail -n 1)"
if [ -z "$tarball" ] || [ ! -f "$work/$tarball" ]; then
  echo "error: 'npm pack $package@$version' did not produce a tarball (is the npm registry reachable?)." >&2
  exit 1
fi
# Only the C# sources, the Linux x64 native libraries and the licenses are needed (the tarballs are 150+ MB);
# the GPU package has no sources, so the member list is filtered rather than named.
tar -tzf "$work/$tarball" \
  | grep -E '^package/(package\.json|LICENSE|ThirdPartyNotices\.txt|Runtime/.*\.cs|Plugins/Linux/x64/[^/]+\.so)$' \
  > "$work/members.txt"
tar -xzf "$work/$tarball" -C "$work" -T "$work/members.txt"
rm -f "$work/$tarball"
rm -rf "$dest"
mv "$work/package" "$dest"
touch "$stamp"
