#!/usr/bin/env bash
# Build and pack the prunekit packages, install the tarballs into this example (a project
# outside the workspace) with npm, run it and check its output. CI calls this script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
pnpm=(npx -y pnpm@10.34.9)
packages=(core tensor models datasets masks rewinding signs train experiment)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== build"
filters=()
for p in "${packages[@]}"; do filters+=("--filter=@prunekit/$p"); done
(cd "$repo" && "${pnpm[@]}" turbo run build "${filters[@]}" --output-logs=errors-only)

echo "== pack"
for p in "${packages[@]}"; do
  (cd "$repo/packages/$p" && "${pnpm[@]}" pack --pack-destination "$tmp" >/dev/null)
done
ls "$tmp"

echo "== install (npm, outside the workspace)"
cd "$here"
rm -rf node_modules package-lock.json runs
npm install --no-save --no-audit --no-fund --loglevel=error "$tmp"/*.tgz @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs@4.22.0

echo "== run"
out="$(node main.mjs 2>&1)" || {
  echo "$out"
  echo "FAIL: the example exited with an error" >&2
  exit 1
}
echo "$out"

# Five rounds (0..4), densities strictly decreasing from 1 to 0.7^4 ≈ 0.24, accuracies printed.
lines="$(grep -E '^round [0-9]+  density [0-9.]+  accuracy [0-9.]+$' <<<"$out" || true)"
count="$(grep -c . <<<"$lines" || true)"
[[ "$count" == 5 ]] || { echo "FAIL: expected 5 round lines, got $count" >&2; exit 1; }
awk '{ d = $4 + 0; if (NR == 1 && d != 1) bad = 1; if (NR > 1 && d >= prev) bad = 1; prev = d } END { if (bad || prev > 0.26 || prev < 0.22) exit 1 }' <<<"$lines" \
  || { echo "FAIL: densities do not go 1 → 0.7^4" >&2; exit 1; }
grep -q '^OK 5 rounds$' <<<"$out" || { echo "FAIL: no OK line" >&2; exit 1; }
echo "third-party example: OK"
