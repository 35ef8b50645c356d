"""How long the photo pipeline takes per phone photo, against bare Pillow.

Generates ``--count`` 4032×3024 JPEGs (or ``--size WxH``) in memory (gradients, noise, a
fractal and shapes, so they compress like photos rather than flat colour; quality 90; every
third one with EXIF Orientation=6 and a GPS position, as phones write them). Then, photo by
photo and in the same run, it times:

* ``pipeline``: ``server.services.photos.process_image`` with the default limits (verify, orient,
  strip, re-encode at a 2048 px long edge, 320 px thumbnail; JPEGs decoded in draft mode);
* ``baseline 2048``: ``Image.open`` + ``thumbnail((2048, 2048))`` + save JPEG (quality 85);
* ``baseline 320``: ``Image.open`` + ``thumbnail((320, 320))`` + save JPEG (quality 75).

``thumbnail`` itself uses JPEG draft mode, so the baselines are what bare Pillow does at its
fastest. The pipeline does both jobs, so its fair ceiling is the two baselines added together.
One warm-up iteration of each runs first and is not counted. Nothing here asserts a time.

    .venv/bin/python bench/photo_pipeline.py [--count 10]
    .venv/bin/python bench/photo_pipeline.py --size 2048x1536   # what the app uploads
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time

from _common import machine, photo_size, summary_ms
from PIL import Image, ImageDraw

from server.services.photos import PhotoLimits, process_image

CAMERA = (4032, 3024)  # a 12-megapixel phone camera; the app scales to a 2048 px long edge
ORIENTATION, GPS_IFD = 0x0112, 0x8825


def phone_photo(seed: int, size: tuple[int, int] = CAMERA) -> bytes:
    """Return a JPEG that compresses like a photo (12 megapixels: about 2.5–3 MB)."""
    rng = random.Random(seed)
    width, height = size
    scale = width / CAMERA[0]  # shapes and fractal detail keep their share of the frame
    noise = Image.effect_noise(size, 20 + rng.random() * 8)
    left = -2.3 + rng.random() * 0.4
    fractal = Image.effect_mandelbrot((width // 4, height // 4), (left, -1.2, left + 3.2, 1.2), 40)
    channels = (
        Image.blend(Image.linear_gradient("L").resize(size), noise, 0.35),
        Image.blend(fractal.resize(size, Image.Resampling.BICUBIC), noise, 0.3),
        Image.blend(Image.radial_gradient("L").resize(size), noise, 0.35),
    )
    image = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(50, 900) * scale, rng.randrange(50, 700) * scale
        fill = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.rectangle if rng.random() < 0.5 else draw.ellipse
        shape((x, y, x + w, y + h), fill=fill, outline=(0, 0, 0), width=max(1, round(6 * scale)))
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    if seed % 3 == 0:
        exif[ORIENTATION] = 6
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def bare_pillow(data: bytes, edge: int, quality: int) -> bytes:
    """Open, shrink with ``thumbnail`` and save: the least Pillow can do for this size."""
    image = Image.open(io.BytesIO(data))
    image.thumbnail((edge, edge))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def timed(function, *args) -> float:
    """Return the seconds one call takes."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=10, help="photos to time (default 10)")
    parser.add_argument(
        "--size", type=photo_size, default=CAMERA, help="WxH of the photos (default 4032x3024)"
    )
    args = parser.parse_args()
    count = args.count
    if count < 1:
        parser.error("--count must be at least 1")
    width, height = args.size

    limits = PhotoLimits()
    start = time.perf_counter()
    photos = [phone_photo(seed, (width, height)) for seed in range(count)]
    sizes = [len(data) / 1e6 for data in photos]
    print(f"photo_pipeline · {machine()}")
    print(
        f"{count} JPEGs {width}x{height} q90 made in {time.perf_counter() - start:.1f} s; "
        f"{min(sizes):.2f}-{max(sizes):.2f} MB, mean {statistics.fmean(sizes):.2f} MB; "
        f"{sum(1 for seed in range(count) if seed % 3 == 0)} with Orientation=6 + GPS"
    )
    print(f"limits: long edge {limits.max_edge}, thumb {limits.thumb_edge}, q{limits.quality}")

    # Warm-up: first decodes pay for lazy imports and allocator growth.
    process_image(photos[0], limits)
    bare_pillow(photos[0], limits.max_edge, limits.quality)
    bare_pillow(photos[0], limits.thumb_edge, 75)

    pipeline, full, thumb = [], [], []
    for data in photos:  # interleaved, so drift in machine load hits all three alike
        pipeline.append(timed(process_image, data, limits))
        full.append(timed(bare_pillow, data, limits.max_edge, limits.quality))
        thumb.append(timed(bare_pillow, data, limits.thumb_edge, 75))
    both = [a + b for a, b in zip(full, thumb, strict=True)]

    rows = [
        ("pipeline (process_image)", pipeline),
        ("baseline open+thumbnail 2048+save", full),
        ("baseline open+thumbnail 320+save", thumb),
        ("baseline 2048 + 320 together", both),
    ]
    for label, seconds in rows:
        print(f"{label:<36}{summary_ms(seconds)}")
    for label, baseline in (("2048", full), ("2048+320", both)):
        ratio = statistics.fmean(pipeline) / statistics.fmean(baseline)
        print(f"{'ratio pipeline / baseline ' + label:<36}{ratio:.2f}x (of means)")


if __name__ == "__main__":
    main()
