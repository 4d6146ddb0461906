#!/bin/sh
# The fault campaign: many seeded sessions of `smpctl sim --pty` + `smpctl run` with byte corruption, frame loss,
# disconnects, board resets and host SIGKILLs, each resumed until done and judged by the simulator's truth and the
# run's journal (Tests/SMPCtlEndToEndTests/FaultCampaign.swift). Prints the injected faults by kind and the dot
# totals; exits non-zero when any session needled a dot twice without the operator's redo, or did not finish.
#
#   scripts/fault-campaign.sh [SESSIONS [PARALLEL]]      (default 100 sessions, 8 at once: about 20 min on 2 cores)
#
# SMPCTL_FAULT_CAMPAIGN_LINK overrides the link faults of every session (default corrupt=2e-3,drop=5e-2);
# SMPCTL_FAULT_CAMPAIGN_FIRST_SEED the first seed (default 1). The figures also go to .build/fault-campaign.json.
set -eu
cd "$(dirname "$0")/.."
swift build --build-tests
SMPCTL_FAULT_CAMPAIGN="${1:-100}" SMPCTL_FAULT_CAMPAIGN_PARALLEL="${2:-8}" \
    SMPCTL_FAULT_CAMPAIGN_OUTPUT="${SMPCTL_FAULT_CAMPAIGN_OUTPUT:-.build/fault-campaign.json}" \
    swift test --skip-build --filter FaultCampaign
