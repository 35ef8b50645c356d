"""Draw the app icons (run once with Pillow; the PNGs are committed): a clipboard with a tick.

Run: .venv/bin/python client/icons/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
GREEN = (11, 95, 71, 255)
WHITE = (255, 255, 255, 255)
LIGHT = (214, 238, 229, 255)


def draw(size: int, *, maskable: bool) -> Image.Image:
    """Return one icon; a maskable icon keeps its drawing inside the central safe zone."""
    scale = 4  # draw large, then downsample for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=GREEN)
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=GREEN)
    inset = 0.2 if maskable else 0.12  # fraction of the side around the drawing
    unit = big * (1 - 2 * inset)
    left, top = big * inset, big * inset

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (left + unit * x0, top + unit * y0, left + unit * x1, top + unit * y1)

    pen.rounded_rectangle(box(0.17, 0.1, 0.83, 0.95), radius=unit * 0.07, fill=WHITE)
    pen.rounded_rectangle(box(0.35, 0.02, 0.65, 0.17), radius=unit * 0.04, fill=LIGHT)
    tick = [(left + unit * x, top + unit * y) for x, y in ((0.32, 0.55), (0.45, 0.7), (0.7, 0.38))]
    pen.line(tick, fill=GREEN, width=int(unit * 0.09), joint="curve")
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    """Write every icon the manifest and index.html name."""
    for name, size, maskable in (
        ("icon-64.png", 64, False),  # the top bar (32 CSS px at 2x) and the favicon: 1 kB
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),
    ):
        # Two colours and their anti-aliased edges fit a 64-colour palette: a third of the bytes.
        icon = draw(size, maskable=maskable).quantize(64, method=Image.Quantize.FASTOCTREE)
        icon.save(HERE / name, optimize=True)


if __name__ == "__main__":
    main()
