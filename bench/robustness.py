"""A rendered robustness set with line-level ground truth, made deterministically from a seed.

    python -m bench.robustness [--out DIR] [--per-kind 20] [--seed 14]

Kinds (each --per-kind images): clean, rotation (whole page turned -25..25 degrees), perspective,
blur, jpeg (quality 12-30), vertical (lines turned 90 degrees either way), long (single lines
of 80-200 words, 2000-40000 px), small (text 9-13 px high), dense (many small lines), strips
(one line of 1-40 words turned 90 degrees either way, alone on a narrow image: a label or a
book's spine cut out), sideways (a clean page turned 90 degrees either way).
In every page kind, 15% of the lines are upside down. Written to a cache directory (default
~/.cache/trt-ocr/robustness-<seed>-<per-kind>), never to the repository: images/<id>.png and
gts/gt_<id>.txt in the ICDAR 2015 format (x1,y1,...,x4,y4,text; one line of text per box), so
trt_ocr.eval's end-to-end protocol scores it (bench.accuracy compares texts with whitespace
removed: a line is one box).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np

KINDS = (
    "clean",
    "rotation",
    "perspective",
    "blur",
    "jpeg",
    "vertical",
    "long",
    "small",
    "dense",
    "strips",
    "sideways",
)
UPSIDE_DOWN = 0.15
FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed.ttf",
)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF")
# Vocabulary: common words in several cases, numbers, prices, codes.
WORDS = (
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "open",
    "close",
    "sale",
    "total",
    "price",
    "cash",
    "card",
    "change",
    "date",
    "time",
    "street",
    "road",
    "avenue",
    "north",
    "south",
    "east",
    "west",
    "city",
    "market",
    "hotel",
    "cafe",
    "bank",
    "station",
    "exit",
    "entrance",
    "parking",
    "free",
    "today",
    "special",
    "offer",
    "new",
    "fresh",
    "coffee",
    "tea",
    "bread",
    "pizza",
    "garden",
    "house",
    "school",
    "office",
    "service",
    "center",
    "public",
    "library",
    "museum",
    "park",
    "welcome",
    "thank",
    "you",
    "please",
    "keep",
    "left",
    "right",
    "stop",
    "slow",
    "caution",
    "danger",
    "area",
    "only",
    "staff",
    "room",
    "floor",
    "level",
    "tax",
    "invoice",
    "receipt",
    "number",
    "item",
    "quantity",
    "amount",
    "discount",
    "member",
    "points",
    "balance",
    "paid",
    "due",
)


def default_out(seed: int, per_kind: int) -> Path:
    return Path.home() / ".cache" / "trt-ocr" / f"robustness-{seed}-{per_kind}"


def _font_path(name: str) -> str:
    for d in FONT_DIRS:
        p = Path(d) / name
        if p.is_file():
            return str(p)
    raise FileNotFoundError(f"font {name} not found in {FONT_DIRS}")


def _phrase(rng: np.random.Generator, n_words: int) -> str:
    out = []
    for _ in range(n_words):
        r = rng.random()
        if r < 0.15:
            out.append(str(int(rng.integers(1, 100000))))
        elif r < 0.22:
            out.append(f"{rng.integers(1, 999)}.{rng.integers(0, 100):02d}")
        else:
            w = str(WORDS[int(rng.integers(len(WORDS)))])
            c = rng.random()
            out.append(w.upper() if c < 0.3 else w.capitalize() if c < 0.6 else w)
    return " ".join(out)


def _render_line(text: str, size: int, font: str, fg, rng):
    """RGBA image of one line, tight around its ink plus a margin."""
    from PIL import Image, ImageDraw, ImageFont

    f = ImageFont.truetype(_font_path(font), size)
    x0, y0, x1, y1 = f.getbbox(text)
    m = max(2, size // 5)
    img = Image.new("RGBA", (x1 - x0 + 2 * m, y1 - y0 + 2 * m), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((m - x0, m - y0), text, font=f, fill=(*fg, 255))
    return img


def _background(rng, h: int, w: int) -> tuple[np.ndarray, bool]:
    """A light or dark page: a gradient plus noise. Returns (RGB uint8, dark)."""
    dark = bool(rng.random() < 0.2)
    base = rng.uniform(20, 70) if dark else rng.uniform(170, 250)
    gy = np.linspace(0, rng.uniform(-30, 30), h)[:, None]
    gx = np.linspace(0, rng.uniform(-30, 30), w)[None, :]
    tint = rng.uniform(-15, 15, 3)
    img = base + gy[..., None] + gx[..., None] + tint + rng.normal(0, 4, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8), dark


def _place(rng, page, occupied, layer, angle_deg: float):
    """Pastes a rotated RGBA line where it overlaps nothing; returns its quad or None."""
    from PIL import Image

    w, h = layer.size
    rot = layer.rotate(angle_deg, expand=True, resample=Image.BICUBIC)
    rw, rh = rot.size
    H, W = page.shape[:2]
    if rw >= W - 4 or rh >= H - 4:
        return None
    for _ in range(40):
        x, y = int(rng.integers(2, W - rw - 2)), int(rng.integers(2, H - rh - 2))
        if any(x < b[2] and b[0] < x + rw and y < b[3] and b[1] < y + rh for b in occupied):
            continue
        occupied.append((x - 4, y - 4, x + rw + 4, y + rh + 4))
        region = page[y : y + rh, x : x + rw].astype(np.float32)
        arr = np.asarray(rot, np.float32)
        a = arr[..., 3:] / 255.0
        page[y : y + rh, x : x + rw] = (arr[..., :3] * a + region * (1 - a)).astype(np.uint8)
        # The unrotated layer's corners (clockwise from its top-left) turned with it.
        t = math.radians(angle_deg)
        c, s = math.cos(t), math.sin(t)
        corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64) - [w / 2, h / 2]
        # PIL turns counter-clockwise by angle on screen (y down): x' = x c + y s, y' = -x s + y c
        rotated = np.stack(
            [corners[:, 0] * c + corners[:, 1] * s, -corners[:, 0] * s + corners[:, 1] * c], axis=1
        )
        return rotated + np.array([x + rw / 2, y + rh / 2])
    return None


def _reading_quad(quad: np.ndarray) -> np.ndarray:
    """The quad's corners from the one nearest the top-left, clockwise (as IC15 lists them)."""
    i = int(np.argmin(quad[:, 0] + quad[:, 1]))
    return np.roll(quad, -i, axis=0)


def _strip(rng: np.random.Generator):
    """One line turned 90 degrees (reading down or up) on an image a margin wider than it."""
    from PIL import Image

    text = _phrase(rng, int(rng.integers(1, 41)))
    size = int(rng.integers(18, 45))
    layer = _render_line(text, size, FONTS[int(rng.integers(len(FONTS)))], (20, 20, 20), rng)
    down = bool(rng.random() < 0.5)
    layer = layer.rotate(-90 if down else 90, expand=True)
    lw, lh = layer.size
    mx, my = int(rng.integers(4, 30)), int(rng.integers(4, 30))
    page, _ = _background(rng, lh + 2 * my, lw + 2 * mx)
    page[...] = np.maximum(page, 150)
    pil = Image.fromarray(page)
    pil.paste(layer, (mx, my), layer)
    quad = np.array([[mx, my], [mx + lw, my], [mx + lw, my + lh], [mx, my + lh]], np.float64)
    return np.ascontiguousarray(np.asarray(pil)[..., ::-1]), [(quad, text)]


def _sideways(img: np.ndarray, gt: list, counter_clockwise: bool):
    """The page and its quads turned 90 degrees."""
    h, w = img.shape[:2]
    turned = np.ascontiguousarray(np.rot90(img, 1 if counter_clockwise else -1))

    def turn(q: np.ndarray) -> np.ndarray:
        x, y = q[:, 0], q[:, 1]
        return np.stack([y, w - x] if counter_clockwise else [h - y, x], axis=1)

    return turned, [(_reading_quad(turn(np.asarray(q, np.float64))), t) for q, t in gt]


def make_image(kind: str, rng: np.random.Generator):
    """(BGR uint8 image, [(quad 4x2, text)])."""
    import cv2
    from PIL import Image

    if kind == "long":
        n = int(rng.integers(80, 200))
        size = int(rng.integers(20, 40))
        text = _phrase(rng, n)
        font = FONTS[int(rng.integers(len(FONTS)))]
        layer = _render_line(text, size, font, (20, 20, 20), rng)
        h = layer.size[1] + int(rng.integers(10, 60))
        page, _ = _background(rng, h, layer.size[0] + 40)
        page[...] = np.maximum(page, 150)
        flip = bool(rng.random() < UPSIDE_DOWN)
        layer = layer.rotate(180) if flip else layer
        y = (h - layer.size[1]) // 2
        pil = Image.fromarray(page)
        pil.paste(layer, (20, y), layer)
        lw, lh = layer.size
        quad = np.array([[20, y], [20 + lw, y], [20 + lw, y + lh], [20, y + lh]], np.float64)
        return np.ascontiguousarray(np.asarray(pil)[..., ::-1]), [(quad, text)]

    if kind == "strips":
        return _strip(rng)
    if kind == "sideways":
        return _sideways(*make_image("clean", rng), counter_clockwise=bool(rng.random() < 0.5))

    H, W = (int(rng.integers(600, 900)), int(rng.integers(800, 1300)))
    page, dark = _background(rng, H, W)
    n_lines = int(rng.integers(12, 22)) if kind == "dense" else int(rng.integers(4, 9))
    occupied: list[tuple[int, int, int, int]] = []
    gt = []
    for _ in range(n_lines):
        size = int(rng.integers(9, 14)) if kind in ("small", "dense") else int(rng.integers(18, 48))
        text = _phrase(rng, int(rng.integers(1, 6)))
        shade = int(rng.integers(200, 255)) if dark else int(rng.integers(0, 70))
        colour = [int(v) for v in rng.integers(0, 120, 3)]
        if dark:
            colour = [255 - v for v in colour]
        fg = (shade, shade, shade) if rng.random() < 0.7 else tuple(colour)
        layer = _render_line(text, size, FONTS[int(rng.integers(len(FONTS)))], fg, rng)
        angle = float(rng.uniform(-4, 4))
        if kind == "vertical" and rng.random() < 0.6:
            angle = 90.0 if rng.random() < 0.5 else -90.0
        if rng.random() < UPSIDE_DOWN:
            angle += 180.0
        quad = _place(rng, page, occupied, layer, angle)
        if quad is not None:
            gt.append((quad, text))
    img = page
    if kind in ("rotation", "perspective"):
        if kind == "rotation":
            a = float(rng.uniform(-25, 25))
            M = cv2.getRotationMatrix2D((W / 2, H / 2), a, 1.0)
            cos, sin = abs(M[0, 0]), abs(M[0, 1])
            nw, nh = int(H * sin + W * cos), int(H * cos + W * sin)
            M[0, 2] += nw / 2 - W / 2
            M[1, 2] += nh / 2 - H / 2
            P = np.vstack([M, [0, 0, 1]])
            size_out = (nw, nh)
        else:
            src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
            j = 0.12
            dst = src + rng.uniform(-j, j, (4, 2)).astype(np.float32) * [W, H]
            dst -= dst.min(axis=0)
            P = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
            size_out = (int(dst[:, 0].max()), int(dst[:, 1].max()))
        fill = tuple(int(v) for v in page[0, 0])
        img = cv2.warpPerspective(page, P, size_out, flags=cv2.INTER_LINEAR, borderValue=fill)
        gt = [(cv2.perspectiveTransform(q[None].astype(np.float64), P)[0], t) for q, t in gt]
    bgr = np.ascontiguousarray(img[..., ::-1])
    if kind == "blur":
        sigma = float(rng.uniform(1.0, 2.0))
        bgr = cv2.GaussianBlur(bgr, (0, 0), sigma)
    if kind == "jpeg":
        q = int(rng.integers(12, 31))
        _, enc = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, q])
        bgr = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return bgr, [(_reading_quad(np.asarray(q)), t) for q, t in gt]


def generate(out: Path, per_kind: int, seed: int) -> Path:
    """Writes the set (idempotent: an existing complete set is kept)."""
    import cv2

    done = out / "COMPLETE"
    if done.is_file() and all((out / "images" / f"{k}_000.png").is_file() for k in KINDS):
        return out  # (a set made before a kind was added gets that kind's images)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "gts").mkdir(parents=True, exist_ok=True)
    for k, kind in enumerate(KINDS):
        for i in range(per_kind):
            name = f"{kind}_{i:03d}"
            if done.is_file() and (out / "gts" / f"gt_{name}.txt").is_file():
                continue  # made before, the same from its seed
            rng = np.random.default_rng([seed, k, i])
            img, gt = make_image(kind, rng)
            cv2.imwrite(str(out / "images" / f"{name}.png"), img)
            rows = [",".join(str(round(float(v))) for v in q.reshape(-1)) + "," + t for q, t in gt]
            (out / "gts" / f"gt_{name}.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    done.write_text(f"seed {seed} per_kind {per_kind}\n")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-kind", type=int, default=20)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    out = args.out or default_out(args.seed, args.per_kind)
    print(generate(out, args.per_kind, args.seed))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
