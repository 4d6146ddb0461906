#!/usr/bin/env bash
# How close a real run's deposit-depth estimate comes to where the pigment went (Docs/Report.md, "Run reports"): for
# SEEDS seeded patients of SKIN, calibrate on the simulated board, serve the same patient on a PTY (`smpctl sim`),
# run PLAN on it with the profile (the run asks for stroke detail and estimates each dot's deposit from the board's
# reports only), then compare the run's --json estimate with the simulator's truth. One line per patient: the
# estimated and true mean, p05 and p95 (mm) and the differences; a last line with the largest differences.
# Wall time, about 40 s a patient.
# Usage: [SKIN=fitzpatrick-1-3] [FIRST_SEED=1] scripts/run-depth-estimate.sh [SEEDS (default 5)] [PLAN (default
# Examples/quick.json)]
set -euo pipefail
seeds=${1:-5}
plan=${2:-Examples/quick.json}
skin=${SKIN:-fitzpatrick-1-3}
smpctl=$(realpath "${SMPCTL:-.build/debug/smpctl}")
export SMPCTL_HARDWARE=${SMPCTL_HARDWARE:-$(realpath Hardware)}
work=$(mktemp -d)
simulator=
trap '[ -n "$simulator" ] && kill "$simulator" 2>/dev/null; rm -rf "$work"' EXIT
printf '| seed | estimated mean / p05 / p95 (mm) | true mean / p05 / p95 (mm) | difference mean / p05 / p95 (mm) |\n'
printf '| --- | --- | --- | --- |\n'
for seed in $(seq "${FIRST_SEED:-1}" $((${FIRST_SEED:-1} + seeds - 1))); do
  rm -f "$work"/*.journal "$work/truth.json"
  cp "$plan" "$work/plan.json"
  "$smpctl" calibrate --port sim --skin "$skin" --seed "$seed" --plan "$work/plan.json" --out "$work/p.json" \
    --json >/dev/null 2>"$work/err" || { printf '| %s | refused: %s | | |\n' "$seed" "$(tail -1 "$work/err")"; continue; }
  "$smpctl" sim --pty --skin "$skin" --seed "$seed" --truth "$work/truth.json" >"$work/sim.out" 2>/dev/null &
  simulator=$!
  for _ in $(seq 50); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
  port=$(head -1 "$work/sim.out")
  (cd "$work" && "$smpctl" run plan.json --port "$port" --profile p.json --json >run.json 2>/dev/null) || true
  kill -TERM "$simulator"; wait "$simulator" 2>/dev/null || true; simulator=
  python3 - "$work/run.json" "$work/truth.json" "$seed" >>"$work/rows" <<'EOF'
import json, math, sys
run = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
deposits = sorted(d["deposit_depth_mm"] for d in truth["dots"] if d["outcome"] == "completed")
def rank(f): return deposits[min(len(deposits) - 1, max(0, math.ceil(f * len(deposits)) - 1))]
est = run["depth_mm"]
true = (sum(deposits) / len(deposits), rank(0.05), rank(0.95))
diff = (est["mean"] - true[0], est["p05"] - true[1], est["p95"] - true[2])
print(f"| {sys.argv[3]} | {est['mean']:.3f} / {est['p05']:.3f} / {est['p95']:.3f} | "
      f"{true[0]:.3f} / {true[1]:.3f} / {true[2]:.3f} | {diff[0]:+.3f} / {diff[1]:+.3f} / {diff[2]:+.3f} |")
EOF
  tail -1 "$work/rows"
done
python3 - "$work/rows" <<'EOF'
import sys
rows = [l for l in open(sys.argv[1]) if l.startswith("|")]
diffs = [[abs(float(v)) for v in l.split("|")[4].split("/")] for l in rows]
if diffs:
    worst = [max(d[i] for d in diffs) for i in range(3)]
    print(f"| largest | | | {worst[0]:.3f} / {worst[1]:.3f} / {worst[2]:.3f} |")
EOF
