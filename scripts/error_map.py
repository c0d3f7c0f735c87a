#!/usr/bin/env python3
"""Where a 2-D model is wrong: heat maps of |error| from `pinn eval-onnx --predictions`, and two error norms.

    pinn eval-onnx models/cavity-m4.onnx --reference cavity-129.csv --fields u,v --predictions pred.csv
    python3 scripts/error_map.py pred.csv --magnitude velocity=u,v --out docs/images/cavity-error-map.svg

For every field (and every --magnitude, the pointwise Euclidean norm of several fields) it prints
  - the relative L² over the points, ‖û − u‖₂ / ‖u‖₂ (PinnServe's metric), and
  - the ratio of spectral norms of the error and reference *grids*, ‖E‖₂ / ‖U‖₂ (largest singular values), which is
    what `np.linalg.norm(E, 2)` computes on a 2-D array: the seed-000 authors' released code measured that.
It also prints the share of ‖E‖₂² carried by the worst 1% of points (a singularity shows as a large share).
The points must form a full grid over the first two columns. Standard library only.
"""
import argparse, base64, csv, math, struct, sys, zlib

COLORS = [(255, 255, 255), (255, 237, 160), (254, 178, 76), (240, 59, 32), (128, 0, 38)]


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, values = rows[0], [[float(v) for v in r] for r in rows[1:] if r]
    return header, values


def grid(header, values, column):
    """The column as a matrix indexed [row of axis 2][column of axis 1], and the two axes."""
    xs, ys = sorted({v[0] for v in values}), sorted({v[1] for v in values})
    if len(xs) * len(ys) != len(values):
        sys.exit(f"the points do not form a full {len(xs)} x {len(ys)} grid over {header[0]}, {header[1]}")
    ix, iy = {x: i for i, x in enumerate(xs)}, {y: j for j, y in enumerate(ys)}
    m = [[0.0] * len(xs) for _ in ys]
    c = header.index(column)
    for v in values:
        m[iy[v[1]]][ix[v[0]]] = v[c]
    return m, xs, ys


def spectral_norm(m, iterations=300):
    """Largest singular value by power iteration on MᵀM (converges fast for these rank-dominated grids)."""
    n = len(m[0])
    v = [1.0 / math.sqrt(n)] * n
    sigma = 0.0
    for _ in range(iterations):
        mv = [sum(a * b for a, b in zip(row, v)) for row in m]
        w = [sum(m[i][j] * mv[i] for i in range(len(m))) for j in range(n)]
        norm = math.sqrt(sum(x * x for x in w))
        if norm == 0:
            return 0.0
        v = [x / norm for x in w]
        new = math.sqrt(norm)
        if abs(new - sigma) <= 1e-12 * new:
            break
        sigma = new
    return math.sqrt(norm)


def relative_l2(error, reference):
    num = sum(e * e for row in error for e in row)
    den = sum(r * r for row in reference for r in row)
    return math.sqrt(num / den)


def color(t):
    t = min(max(t, 0.0), 1.0) * (len(COLORS) - 1)
    i = min(int(t), len(COLORS) - 2)
    f = t - i
    return "#%02x%02x%02x" % tuple(round(a + (b - a) * f) for a, b in zip(COLORS[i], COLORS[i + 1]))


def png(rows):
    """A truecolour PNG of rows of (r, g, b) pixels, top row first (zlib + struct, no imaging library)."""
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in rows)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def panel(m, title, x0, size, vmax):
    """|value| on a log scale over three decades below vmax (errors span orders of magnitude), as an embedded PNG."""
    level = lambda value: (math.log10(max(abs(value), vmax * 1e-3) / vmax) + 3) / 3
    rgb = lambda c: tuple(int(c[k:k + 2], 16) for k in (1, 3, 5))
    pixels = [[rgb(color(level(v))) for v in row] for row in reversed(m)]  # y grows upwards
    data = base64.b64encode(png(pixels)).decode()
    return [f'<text x="{x0 + size / 2}" y="18" text-anchor="middle" font-size="13">{title}</text>',
            f'<image x="{x0}" y="28" width="{size}" height="{size}" preserveAspectRatio="none" href="data:image/png;base64,{data}"/>',
            f'<rect x="{x0}" y="28" width="{size}" height="{size}" fill="none" stroke="#333"/>']


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("predictions", help="CSV from `pinn eval-onnx --predictions`")
    ap.add_argument("--fields", help="comma-separated fields (default: every FIELD with FIELD_reference)")
    ap.add_argument("--magnitude", action="append", default=[], help="NAME=F1,F2: also the pointwise norm of these fields")
    ap.add_argument("--out", help="SVG of |error| per field and magnitude (one shared colour scale)")
    a = ap.parse_args()
    header, values = read(a.predictions)
    fields = a.fields.split(",") if a.fields else [h for h in header if h + "_reference" in header]
    for f in fields + [p for spec in a.magnitude for p in spec.split("=", 1)[-1].split(",")]:
        if f not in header or f + "_reference" not in header:
            sys.exit(f"{a.predictions} has no columns {f} and {f}_reference")
    xs, ys = grid(header, values, header[2])[1:]
    field = lambda f: (f, grid(header, values, f)[0], grid(header, values, f + "_reference")[0])
    maps = [field(f) for f in fields]
    for spec in a.magnitude:
        name, parts = spec.split("=", 1)
        chosen = [field(p) for p in parts.split(",")]
        norm = lambda k: [[math.sqrt(sum(c[k][j][i] ** 2 for c in chosen)) for i in range(len(xs))] for j in range(len(ys))]
        maps.append((name, norm(1), norm(2)))

    print(f"{'field':<12} {'rel. L2':>10} {'spectral ||E||2/||U||2':>24} {'max |error|':>12} {'top 1% share':>13}")
    panels = []
    for name, pred, ref in maps:
        err = [[p - r for p, r in zip(pr, rr)] for pr, rr in zip(pred, ref)]
        rl2 = relative_l2(err, ref)
        spectral = spectral_norm(err) / spectral_norm(ref)
        peak = max(abs(e) for row in err for e in row)
        squares = sorted((e * e for row in err for e in row), reverse=True)
        top = sum(squares[: max(1, len(squares) // 100)]) / sum(squares)  # share of ‖E‖² in the worst 1% of points
        print(f"{name:<12} {rl2:>10.3e} {spectral:>24.3e} {peak:>12.3e} {top:>13.1%}")
        panels.append((name, err, rl2))
    if a.out:
        size, gap = 260, 30
        vmax = max(abs(e) for _, err, _ in panels for row in err for e in row)
        width = len(panels) * (size + gap) + gap
        svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{size + 80}" font-family="sans-serif">',
               f'<rect width="{width}" height="{size + 80}" fill="white"/>']
        for k, (name, err, rl2) in enumerate(panels):
            svg += panel(err, f"|{name} error| (rel. L² {rl2:.2e})", gap + k * (size + gap), size, vmax)
        # colour bar
        bar_y = size + 45
        for s in range(100):
            svg.append(f'<rect x="{gap + s * 2}" y="{bar_y}" width="2.2" height="10" fill="{color(s / 99)}"/>')
        svg.append(f'<text x="{gap}" y="{bar_y + 24}" font-size="11">{vmax * 1e-3:.2g}</text>')
        svg.append(f'<text x="{gap + 200}" y="{bar_y + 24}" font-size="11" text-anchor="end">{vmax:.2g}</text>')
        svg.append(f'<text x="{gap + 215}" y="{bar_y + 9}" font-size="11">|error|, log scale; {header[0]} → right, {header[1]} → up</text>')
        svg.append("</svg>")
        with open(a.out, "w") as f:
            f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
