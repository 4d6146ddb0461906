#!/usr/bin/env python3
"""Draws smpctl DOTS.json files (smpctl-dots/1) as an SVG and, with --png, as a PNG (written here, no libraries).

Usage:
  scripts/render-dots.py OUT.svg DOTS.json [DOTS.json ...] [--crop X0,Y0,X1,Y1] [--scale PX_PER_MM]
                         [--by-session] [--png OUT.png]

Each dot is a disc of the needle's grouping diameter (1RL 0.6 mm, 3RL 0.8 mm, 5RL 1.0 mm: about what a healed
dot spreads to) on a light skin tone, in dark grey; --by-session colours session 1, 2, 3 differently instead.
Coordinates are board millimetres, y down as in the plan. Nothing here models colour: it shows where dots are.
"""
import json
import struct
import sys
import zlib

SPREAD_MM = {"1RL": 0.6, "3RL": 0.8, "5RL": 1.0}
SESSION_COLOURS = ["#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#4d4d4d"]


def main(argv):
    args = list(argv)
    crop = None
    scale = 4.0
    by_session = False
    png = None
    for flag in ["--crop", "--scale", "--png"]:
        if flag in args:
            i = args.index(flag)
            value = args[i + 1]
            del args[i:i + 2]
            if flag == "--crop":
                crop = [float(v) for v in value.split(",")]
            elif flag == "--scale":
                scale = float(value)
            else:
                png = value
    if "--by-session" in args:
        args.remove("--by-session")
        by_session = True
    if len(args) < 2:
        sys.exit(__doc__)
    out, files = args[0], args[1:]
    dots = []
    for name in files:
        with open(name) as f:
            document = json.load(f)
        if document.get("format") != "smpctl-dots/1":
            sys.exit(f"{name}: not a smpctl-dots/1 file")
        dots.extend(document["dots"])
    if crop is None:
        xs = [d["x"] for d in dots]
        ys = [d["y"] for d in dots]
        crop = [min(xs) - 3, min(ys) - 3, max(xs) + 3, max(ys) + 3]
    x0, y0, x1, y1 = crop
    width = (x1 - x0) * scale
    height = (y1 - y0) * scale
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{x0} {y0} {x1 - x0} {y1 - y0}">',
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="#e9c9ad"/>',
    ]
    for d in sorted(dots, key=lambda d: d["id"]):
        if not (x0 - 1 <= d["x"] <= x1 + 1 and y0 - 1 <= d["y"] <= y1 + 1):
            continue
        r = SPREAD_MM.get(d["needle"], 0.8) / 2
        colour = SESSION_COLOURS[(d["session"] - 1) % len(SESSION_COLOURS)] if by_session else "#2b2724"
        parts.append(f'<circle cx="{d["x"]:.3f}" cy="{d["y"]:.3f}" r="{r}" fill="{colour}"/>')
    parts.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(parts) + "\n")
    if png:
        write_png(png, dots, crop, scale, by_session)


def hex_rgb(text):
    return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))


def write_png(path, dots, crop, scale, by_session):
    """Each pixel is sampled 3 x 3 times, so disc edges are smooth."""
    x0, y0, x1, y1 = crop
    width = int(round((x1 - x0) * scale))
    height = int(round((y1 - y0) * scale))
    background = hex_rgb("#e9c9ad")
    cover = [[None] * width for _ in range(height)]  # per pixel: {colour: samples}
    offsets = [(i + 0.5) / 3 for i in range(3)]
    for d in sorted(dots, key=lambda d: d["id"]):
        r = SPREAD_MM.get(d["needle"], 0.8) / 2
        colour = SESSION_COLOURS[(d["session"] - 1) % len(SESSION_COLOURS)] if by_session else "#2b2724"
        cx = (d["x"] - x0) * scale
        cy = (d["y"] - y0) * scale
        rp = r * scale
        for py in range(max(0, int(cy - rp) - 1), min(height, int(cy + rp) + 2)):
            for px in range(max(0, int(cx - rp) - 1), min(width, int(cx + rp) + 2)):
                hits = 0
                for oy in offsets:
                    for ox in offsets:
                        if (px + ox - cx) ** 2 + (py + oy - cy) ** 2 <= rp * rp:
                            hits += 1
                if hits:
                    cell = cover[py][px] or {}
                    cell[colour] = max(cell.get(colour, 0), hits)
                    cover[py][px] = cell
    raw = bytearray()
    for row in cover:
        raw.append(0)
        for cell in row:
            rgb = list(background)
            if cell:
                for colour, hits in cell.items():
                    c = hex_rgb(colour)
                    a = hits / 9
                    rgb = [round(rgb[k] * (1 - a) + c[k] * a) for k in range(3)]
            raw.extend(rgb)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 9)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    main(sys.argv[1:])
