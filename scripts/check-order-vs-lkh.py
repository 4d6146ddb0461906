#!/usr/bin/env python3
"""Compare smpctl's visiting order with LKH-3 (via the elkai package) on the same blue-noise dots.

Manual check, not part of `make test`:
    pip install elkai
    swift build -c release --product smpctl
    python3 scripts/check-order-vs-lkh.py [--smpctl .build/release/smpctl] [--dots 2000] [--seed 1]

It writes a single-session plan of one uniform square region (100 dots/cm2, sized for about --dots dots) to a
temporary directory, runs `smpctl plan PLAN --out DOTS.json`, and compares the open path through the dots in
smpctl's order with LKH's: LKH solves the closed tour through the same dots, and the LKH path is that tour minus
its longest edge (an open path at least as good as the optimal one plus nothing: it is a real path LKH found).
The home-to-first-dot leg is left out of both.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

try:
    import elkai
except ImportError:
    sys.exit("check-order-vs-lkh: the elkai package (LKH-3) is missing: pip install elkai")


def path_length(points):
    return sum(math.dist(points[i], points[i + 1]) for i in range(len(points) - 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smpctl", default=".build/release/smpctl")
    parser.add_argument("--dots", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10, help="LKH runs (elkai's default is 10)")
    args = parser.parse_args()

    side = math.sqrt(args.dots / 1.0)  # 100 dots/cm2 = 1 dot/mm2
    plan = {
        "format": "smpctl-plan/1",
        "seed": args.seed,
        "regions": [{
            "name": "square", "kind": "density", "density": 100, "profile": "fitzpatrick-1-3",
            "polygon": [[20, 20], [20 + side, 20], [20 + side, 20 + side], [20, 20 + side]],
        }],
    }
    with tempfile.TemporaryDirectory() as tmp:
        plan_path = os.path.join(tmp, "plan.json")
        dots_path = os.path.join(tmp, "dots.json")
        with open(plan_path, "w") as f:
            json.dump(plan, f)
        t0 = time.time()
        subprocess.run([args.smpctl, "plan", plan_path, "--out", dots_path, "--json"], check=True,
                       stdout=subprocess.DEVNULL)
        smpctl_seconds = time.time() - t0
        with open(dots_path) as f:
            dots = json.load(f)["dots"]
    ours = [(d["x"], d["y"]) for d in dots]
    ids = [d["id"] for d in dots]
    assert len(set(ids)) == len(ids), "a dot appears twice"

    t0 = time.time()
    # LKH's EUC_2D rounds distances to integers: work in micrometres so that rounding is negligible.
    coords = {str(i): (p[0] * 1000.0, p[1] * 1000.0) for i, p in enumerate(ours)}
    tour = [int(c) for c in elkai.Coordinates2D(coords).solve_tsp(runs=args.runs)]
    lkh_seconds = time.time() - t0
    if len(tour) == len(ours) + 1 and tour[0] == tour[-1]:
        tour = tour[:-1]
    closed = [ours[i] for i in tour]
    edges = [math.dist(closed[i], closed[(i + 1) % len(closed)]) for i in range(len(closed))]
    lkh_closed = sum(edges)
    lkh_path = lkh_closed - max(edges)
    our_path = path_length(ours)
    our_closed = our_path + math.dist(ours[-1], ours[0])
    print(f"dots: {len(ours)}")
    print(f"smpctl open path: {our_path:.1f} mm (closed {our_closed:.1f} mm), smpctl plan took {smpctl_seconds:.2f} s")
    print(f"LKH-3 open path:  {lkh_path:.1f} mm (closed {lkh_closed:.1f} mm), elkai took {lkh_seconds:.2f} s")
    print(f"smpctl / LKH (open paths): {our_path / lkh_path:.4f}  ({(our_path / lkh_path - 1) * 100:+.2f} %)")
    print(f"smpctl / LKH (closed):     {our_closed / lkh_closed:.4f}  ({(our_closed / lkh_closed - 1) * 100:+.2f} %)")


if __name__ == "__main__":
    main()
