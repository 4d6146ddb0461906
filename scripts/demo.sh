#!/usr/bin/env bash
# `make demo`: the main job the project can do today, run as a user would. The dry run (plan -> motion -> control ->
# simulated board, in virtual time) needs the motion and control layers, which later issues build; until then this
# runs every piece that exists, end to end, against the simulated board:
#   1. plan a Norwood-5 crown and hairline (hairline drawn in SVG), session 1 of 3, and write its ordered dots;
#   2. serve the simulated board (firmware model, physics, skin) on a pseudo-terminal;
#   3. find it over the serial transport and run the protocol handshake: `smpctl identify`;
#   4. stop the board and show its summary; its ground truth is written for grading;
#   5. decode a captured session like a protocol analyser.
set -euo pipefail
cd "$(dirname "$0")/.."
smpctl="${1:-.build/release/smpctl}"
out="${DEMO_OUT:-.build/demo}"
mkdir -p "$out"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true; }
trap cleanup EXIT

step "1. smpctl plan Examples/norwood5.json --out $out/norwood5-dots.json"
"$smpctl" plan Examples/norwood5.json --out "$out/norwood5-dots.json"

step "2. smpctl sim --pty --skin fitzpatrick-1-3 --seed 7 --truth $out/truth.json"
"$smpctl" sim --pty --skin fitzpatrick-1-3 --seed 7 --truth "$out/truth.json" >"$out/sim.out" 2>"$out/sim.err" &
sim_pid=$!
for _ in $(seq 1 100); do
    [ -s "$out/sim.out" ] && break
    sleep 0.1
done
port="$(head -n 1 "$out/sim.out")"
[ -n "$port" ] || { echo "demo: the simulator printed no device path; see $out/sim.err" >&2; exit 70; }
echo "simulated board on $port"

step "3. smpctl identify --port $port"
"$smpctl" identify --port "$port"

step "4. stop the simulated board (SIGINT): its summary"
kill -INT "$sim_pid"
wait "$sim_pid" || true
sim_pid=""
tail -n +2 "$out/sim.out"
echo "ground truth: $out/truth.json"

step "5. smpctl wire decode --hex Hardware/smp-driver-r1/captures/session-board-to-host.hex"
"$smpctl" wire decode --hex Hardware/smp-driver-r1/captures/session-board-to-host.hex
