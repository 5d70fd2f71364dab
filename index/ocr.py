"""Read a rendered page with the OCR model rapidocr-onnxruntime ships in its wheel: its text as glyphs in PDF points.

RapidOCR (Apache-2.0) runs PaddleOCR's PP-OCRv4 text detection and recognition models and its mobile direction
classifier (Apache-2.0) on onnxruntime. The three models are files inside the installed package
(``rapidocr_onnxruntime/models/``): the engine is built from the package's own config after checking that every
model path it names is one of those files, and nothing is downloaded, ever. Recognition gives every Chinese
character, and every Latin word or number, a box; a word's letters share its box by width (full-width 1,
others ½). Boxes go from the image's pixels to PDF points (÷ the render scale), top-left origin, as a text
layer's do, so :mod:`index.layout` rebuilds lines, gaps and spaces from them the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from index.layout import wide
from index.pdf_reader import Glyph

INSTALL = "pip install rapidocr-onnxruntime==1.4.4"
MODELS = ("Det", "Cls", "Rec")  # the config's sections that name a model file
MAX_SIDE = 2000  # RapidOCR's max_side_len: a larger image is shrunk to this long side before detection
RENDER_SCALE = 2.0  # pixels per PDF point for a page to read (A4: 1190 × 1684), less when over MAX_SIDE
NARROW = 0.5  # the width of a Latin letter, digit or space, in full-width characters

Quad = Sequence[Sequence[float]]  # four corners (x, y) in pixels: top-left, top-right, bottom-right, bottom-left
Engine = Callable[..., tuple]


class OcrUnavailable(Exception):
    """The OCR package is missing, or its engine cannot start."""


def render_scale(width: float, height: float) -> float:
    """RENDER_SCALE, or less for a page whose long side would pass MAX_SIDE pixels (RapidOCR would shrink it)."""
    return min(RENDER_SCALE, MAX_SIDE / max(width, height, 1.0))


def load_engine(threads: int) -> Engine:
    """RapidOCR on the models inside its package, ``threads`` threads; OcrUnavailable naming the cause and the fix."""
    try:
        import cv2
        from rapidocr_onnxruntime import RapidOCR
        from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
        from rapidocr_onnxruntime.utils import read_yaml, update_model_path
    except ModuleNotFoundError as exc:
        raise OcrUnavailable(f"{exc.name} is not installed: {INSTALL}") from exc
    except ImportError as exc:  # a library of the package cannot be loaded (too little memory under the cap, too)
        raise OcrUnavailable(f"the OCR package cannot be loaded ({exc})") from exc
    bundled = Path(DEFAULT_CFG_PATH).parent / "models"
    config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
    for section in MODELS:
        model = Path(config[section]["model_path"])
        if model.parent != bundled or not model.is_file():
            raise OcrUnavailable(f"the OCR model {model} is not a file of the package ({bundled}): {INSTALL}")
    cv2.setNumThreads(threads)
    try:
        return RapidOCR(config_path=str(DEFAULT_CFG_PATH), intra_op_num_threads=threads, inter_op_num_threads=1)
    except Exception as exc:  # onnxruntime cannot load a model (damaged file, no memory under the cap)
        raise OcrUnavailable(f"the OCR engine did not start ({type(exc).__name__}: {exc})") from exc


def read_image(engine: Engine, image, scale: float) -> list[Glyph]:
    """The text of a page image (BGR array of the page rendered at ``scale`` pixels per point) as glyphs."""
    lines, _ = engine(image, return_word_box=True)
    glyphs: list[Glyph] = []
    for quad, text, _score, *words in lines or ():
        boxes, parts = (words[0], words[1]) if words else ((), ())
        if parts and "".join(parts) == "".join(text.split()):
            for part, box in zip(parts, boxes):
                glyphs += spread(part, box, scale)
        else:  # no usable word boxes: the line's characters share its box
            glyphs += spread(text, quad, scale)
    return glyphs


def spread(text: str, quad: Quad, scale: float) -> list[Glyph]:
    """The characters of ``text`` laid along its box (pixels) by width, as glyphs in PDF points (÷ ``scale``);
    a space takes room and makes no glyph."""
    weights = [1.0 if wide(ch) else NARROW for ch in text]
    total = sum(weights)
    if not total:
        return []
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad  # top-left, top-right, bottom-right, bottom-left
    lx, ly, rx, ry = (x0 + x3) / 2, (y0 + y3) / 2, (x1 + x2) / 2, (y1 + y2) / 2  # the box's midline
    half = ((y3 - y0) + (y2 - y1)) / 4
    glyphs, at = [], 0.0
    for ch, weight in zip(text, weights):
        a, b = at / total, (at + weight) / total
        at += weight
        if ch.isspace():
            continue
        centre = ly + (ry - ly) * (a + b) / 2
        glyphs.append(Glyph(ch, (lx + (rx - lx) * a) / scale, (centre - half) / scale, (lx + (rx - lx) * b) / scale,
                            (centre + half) / scale))
    return glyphs
