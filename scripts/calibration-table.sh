#!/usr/bin/env bash
# The calibration accuracy table of Docs/Calibration.md: for every skin type and SEEDS seeded patients, calibrate on
# the simulated board, then dry-run PLAN with the profile and with the nominal hang; one line per skin type with the
# deposit error p95 (worst and median over the patients), blowouts, sites, machine and host time.
# PLAN is planned as that client's plan: every region takes the skin type's profile and needle (its nominal hang,
# strokes, rate and cartridge), so that the nominal columns are the skin type's own nominal and calibration and dry
# run needle with the same cartridge.
# Usage: [SKINS="thin scar"] [FIRST_SEED=1] scripts/calibration-table.sh [SEEDS (default 20)] [PLAN (default
# Examples/quick.json)]; FIRST_SEED=21 gives patients the method was not tuned on.
set -euo pipefail
seeds=${1:-20}
plan=${2:-Examples/quick.json}
smpctl=${SMPCTL:-.build/debug/smpctl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work"
printf '| skin type | cartridge | patients | calibrated | refused | p95 error calibrated: worst (seed) / median (mm) | blowouts | p95 error nominal: worst / median (mm) | blowouts nominal | sites max | machine s max | host s max |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for skin in ${SKINS:-fitzpatrick-1-3 fitzpatrick-4-6 thin thick-oily scar}; do
  : >"$work/cal" ; : >"$work/nom" ; : >"$work/sum"; refused=0; cartridge=-
  needle=$(jq -r --arg s "$skin" '.profiles[] | select(.name == $s) | .needle.name' Hardware/skin-profiles.json)
  jq --arg s "$skin" --arg n "$needle" '.regions |= map(.profile = $s | .needle = $n)' "$plan" >"$work/plan.json"
  for seed in $(seq "${FIRST_SEED:-1}" $((${FIRST_SEED:-1} + seeds - 1))); do
    "$smpctl" dry-run "$work/plan.json" --skin "$skin" --seed "$seed" --json 2>/dev/null \
      | jq -r '"\(.depth_mm.abs_error_p95) \(.blowouts)"' >>"$work/nom" || true
    if "$smpctl" calibrate --port sim --skin "$skin" --seed "$seed" --plan "$work/plan.json" --out "$work/p.json" \
        --json >"$work/s.json" 2>"$work/err"; then
      jq -r '"\(.sites_used) \(.machine_time_s) \(.host_time_s)"' "$work/s.json" >>"$work/sum"
      cartridge=$(jq -r .cartridge "$work/p.json")
      "$smpctl" dry-run "$work/plan.json" --skin "$skin" --seed "$seed" --profile "$work/p.json" --json 2>/dev/null \
        | jq -r --arg seed "$seed" '"\(.depth_mm.abs_error_p95) \(.blowouts) \($seed)"' >>"$work/cal" || true
      rm -f "$work/p.json"
    else
      refused=$((refused + 1))
    fi
  done
  python3 - "$skin" "$seeds" "$refused" "$work" "$cartridge" <<'PY'
import sys, statistics
skin, seeds, refused, work, cartridge = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def rows(name): return [list(map(float, l.split())) for l in open(f"{work}/{name}") if l.strip()]
cal, nom, summ = rows("cal"), rows("nom"), rows("sum")
def err(r): return f"{max(x[0] for x in r):.3f} / {statistics.median(x[0] for x in r):.3f}" if r else "-"
def errSeed(r):
    if not r: return "-"
    worst = max(r, key=lambda x: x[0])
    return f"{worst[0]:.3f} ({int(worst[2])}) / {statistics.median(x[0] for x in r):.3f}"
def blow(r): return str(int(sum(x[1] for x in r))) if r else "-"
def mx(i, fmt): return fmt.format(max(x[i] for x in summ)) if summ else "-"
print(f"| {skin} | {cartridge} | {seeds} | {len(cal)} | {refused} | {errSeed(cal)} | {blow(cal)} | {err(nom)} | {blow(nom)} | {mx(0,'{:.0f}')} | {mx(1,'{:.1f}')} | {mx(2,'{:.2f}')} |")
PY
done
