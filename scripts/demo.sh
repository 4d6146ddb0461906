#!/usr/bin/env bash
# `make demo`: the main job, run as a user would. A dry run of a Norwood-5 crown and hairline (session 1 of 3):
# plan -> motion schedule -> the real controller -> wire bytes -> the simulated board (curved scalp, crystal error,
# USB timing), in virtual time; then graded against the simulator's truth.
set -euo pipefail
cd "$(dirname "$0")/.."
smpctl="${1:-.build/release/smpctl}"

# It ends by writing the same run as a picture: one self-contained HTML file to open in a browser.
report="${TMPDIR:-/tmp}/smpctl-demo-report.html"
printf '\033[1m== smpctl dry-run Examples/norwood5.json --seed 7 --report %s\033[0m\n' "$report"
"$smpctl" dry-run Examples/norwood5.json --seed 7 --report "$report"
printf '\nreport: %s (open it in a browser)\n' "$report"
