#!/usr/bin/env python3
"""Measures the rank-ordered blue-noise tile idea for SMPPlanning (Docs/Performance.md, "A precomputed tile").

Not part of smpctl: a throwaway prototype to see whether thresholding a precomputed, rank-ordered, toroidal
blue-noise tile can meet the pattern tests (rho 0.75-0.90 for the full pattern, >= 0.70 for every session
prefix). Needs numpy and scipy. Fixed seeds; prints rho (Lagae & Dutre) for:
  1. the tile (farthest-point sampling from 10 N random candidates on a torus, then repulsion of close pairs);
  2. prefixes of two rankings of its points: greedy elimination of the point with the nearest neighbour
     (reversed), and farthest-point order over the tile's own points;
  3. 2 x 2 tiles in a 1.5-tile window: plain translation, a random offset per tile, a random rotation per tile;
  4. a density ramp (rank fraction kept rising from f0 to 1 across the tile): the smallest and 5th-percentile
     nearest-neighbour distance relative to the local density (rho of each dot against its own density).
Usage: python3 scripts/tile-prototype.py [N]   (N tile points, default 4000)
"""
import heapq
import sys

import numpy as np
from scipy.spatial import cKDTree

N = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
L = np.sqrt(N)  # unit density on an L x L torus
HEX = 2 * np.sqrt(3)


def torus_d2(a, points):
    d = np.abs(points - a)
    d = np.minimum(d, L - d)
    return (d * d).sum(1)


def rho_torus(points):
    d, _ = cKDTree(points, boxsize=L).query(points, 2)
    return d[:, 1].min() / 2 / np.sqrt(L * L / (HEX * len(points)))


def rho_plane(points, area):
    d, _ = cKDTree(points).query(points, 2)
    return d[:, 1].min() / 2 / np.sqrt(area / (HEX * len(points)))


def prefixes(points):
    return " ".join("%.1f:%.3f" % (f, rho_torus(points[: int(f * N)])) for f in np.arange(0.1, 1.01, 0.1))


# 1. The tile.
rng = np.random.default_rng(1)
candidates = rng.random((10 * N, 2)) * L
chosen = [0]
md = torus_d2(candidates[0], candidates)
for _ in range(1, N):
    j = int(np.argmax(md))
    chosen.append(j)
    md = np.minimum(md, torus_d2(candidates[j], candidates))
tile = candidates[chosen]
print("farthest-point tile: rho %.3f (its own insertion order: %s)" % (rho_torus(tile), prefixes(tile)))
target = 2 * np.sqrt(1 / HEX) * 0.95
for _ in range(6):
    pairs = cKDTree(tile, boxsize=L).query_pairs(target, output_type="ndarray")
    d = tile[pairs[:, 0]] - tile[pairs[:, 1]]
    d = (d + L / 2) % L - L / 2
    dist = np.sqrt((d * d).sum(1))
    w = ((target - dist) / dist)[:, None] * d * 0.25
    push = np.zeros_like(tile)
    np.add.at(push, pairs[:, 0], w)
    np.add.at(push, pairs[:, 1], -w)
    tile = (tile + push) % L
print("relaxed tile: rho %.3f (farthest-point insertion order kept: %s)" % (rho_torus(tile), prefixes(tile)))

# 2a. Greedy elimination ranking.
K = 40
dd, ii = cKDTree(tile, boxsize=L).query(tile, K + 1)
dd, ii = dd[:, 1:], ii[:, 1:]
alive = np.ones(N, bool)


def nearest_alive(i):
    for k in range(K):
        if alive[ii[i, k]]:
            return dd[i, k]
    return L


current = np.array([nearest_alive(i) for i in range(N)])
heap = [(current[i], i) for i in range(N)]
heapq.heapify(heap)
removed = []
while heap:
    d, i = heapq.heappop(heap)
    if not alive[i] or d != current[i]:
        continue
    alive[i] = False
    removed.append(i)
    for k in range(K):
        j = ii[i, k]
        if alive[j] and current[j] == dd[i, k]:
            current[j] = nearest_alive(j)
            heapq.heappush(heap, (current[j], j))
ranked = tile[removed[::-1]]
print("greedy-elimination rank, prefix rho:", prefixes(ranked))

# 2b. Farthest-point ranking over the tile's points.
order = [0]
md = torus_d2(tile[0], tile)
for _ in range(1, N):
    j = int(np.argmax(md))
    order.append(j)
    md = np.minimum(md, torus_d2(tile[j], tile))
print("farthest-point rank, prefix rho:    ", prefixes(tile[order]))

# 3. Seams.
W = 1.5 * L
for mode in ["translate", "offset", "rotate"]:
    rng = np.random.default_rng(5)
    parts = []
    for a in range(2):
        for b in range(2):
            q = ranked.copy()
            if mode == "offset":
                q = (q + rng.random(2) * L) % L
            if mode == "rotate":
                t = rng.random() * 2 * np.pi
                rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
                big = np.vstack([q + np.array([i, j]) * L for i in (-1, 0, 1) for j in (-1, 0, 1)])
                big = (big - L / 2) @ rot.T + L / 2
                q = big[(big[:, 0] >= 0) & (big[:, 0] < L) & (big[:, 1] >= 0) & (big[:, 1] < L)]
            parts.append(q + np.array([a, b]) * L)
    p = np.vstack(parts)
    p = p[(p[:, 0] < W) & (p[:, 1] < W)]
    print("2 x 2 tiles, %-9s: rho %.3f, %d dots (expected %d)" % (mode, rho_plane(p, W * W), len(p), round(W * W)))

# 4. Density ramp by rank threshold.
rank_fraction = np.arange(N) / N
for f0 in [0.1, 0.3]:
    fraction = f0 + (1 - f0) * ranked[:, 0] / L
    keep = rank_fraction < fraction
    p, f = ranked[keep], fraction[keep]
    d, _ = cKDTree(p, boxsize=L).query(p, 2)
    local = d[:, 1] / 2 / np.sqrt(1 / (HEX * f))
    print("ramp %.1f -> 1: local rho min %.3f, 5th percentile %.3f" % (f0, local.min(), np.percentile(local, 5)))
