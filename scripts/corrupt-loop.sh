#!/usr/bin/env bash
# The corrupt-buffer delivery test N times in a row (default 100) with the CPU kept busy, counting failures
# (docs/delivery.md, "Damage"). Not in CI: it takes about a minute per run. Usage: scripts/corrupt-loop.sh [N] [LOAD]
# LOAD is the number of busy-loop processes beside it (default: the number of cores). Logs go to $OUT (a temp dir).
# NO_BUILD=1 runs on dist/ as it is (built before, e.g. while `npm run soak` uses the same dist/: never rebuild under it).
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-100}
LOAD=${2:-$(nproc)}
OUT=${OUT:-$(mktemp -d -t corrupt-loop.XXXXXX)}
[ "${NO_BUILD:-}" = 1 ] || npm run build --silent || exit 1
burners=()
for ((k = 0; k < LOAD; k++)); do
  node -e 'for (;;) {}' &
  burners+=($!)
done
stop_burners() { for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_burners EXIT
failed=0
for ((run = 1; run <= RUNS; run++)); do
  start=$(date +%s)
  if npx vitest run test/delivery/corrupt-buffer.test.ts >"$OUT/run-$run.log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=$((failed + 1))
  fi
  echo "run $run/$RUNS: $status in $(($(date +%s) - start)) s (failures so far: $failed)"
done
echo "corrupt-buffer: $RUNS runs under $LOAD busy processes, $failed failed; logs in $OUT"
[ "$failed" -eq 0 ]
