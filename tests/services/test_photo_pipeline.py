"""The Pillow pipeline and the content-addressed photo store, without HTTP or a database."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image, JpegImagePlugin

from server.errors import DomainError
from server.services.photos import (
    PhotoLimits,
    PhotoTooLarge,
    UnsupportedPhotoType,
    check_upload,
    process_image,
)
from server.storage import LocalPhotoStorage

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _invalid(data: bytes, limits: PhotoLimits | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        process_image(data, limits or PhotoLimits())
    assert (caught.value.status, caught.value.code) == (422, "photo.invalid")
    return caught.value


# --- process_image ---------------------------------------------------------------------------


def test_the_stored_forms_are_jpegs_of_the_reported_size():
    processed = process_image(_encode(Image.new("RGB", (64, 48), (1, 2, 3)), "PNG"))
    image, thumb = _open(processed.image), _open(processed.thumb)
    assert (image.format, thumb.format) == ("JPEG", "JPEG")
    assert image.size == (processed.width, processed.height) == (64, 48)


def test_the_long_edge_and_the_thumbnail_are_bounded():
    limits = PhotoLimits(max_edge=500, thumb_edge=100)
    processed = process_image(_encode(Image.new("RGB", (1200, 1600), (9, 90, 9))), limits)
    assert _open(processed.image).size == (375, 500)
    assert _open(processed.thumb).size == (75, 100)
    assert (processed.width, processed.height) == (375, 500)


def test_a_large_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    requested = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        requested.append(size)
        return original(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    limits = PhotoLimits(max_edge=400, thumb_edge=100)
    processed = process_image(_encode(Image.new("RGB", (3200, 2400), (5, 5, 5))), limits)
    assert (400, 400) in requested and (100, 100) in requested
    assert _open(processed.thumb).size == (100, 75)


def test_exif_orientation_is_applied_and_dropped():
    exif = Image.Exif()
    exif[ORIENTATION] = 8  # "rotate 90° counter-clockwise to display"
    processed = process_image(_encode(Image.new("RGB", (60, 40)), exif=exif))
    stored = _open(processed.image)
    assert stored.size == (40, 60) == (processed.width, processed.height)
    assert _open(processed.thumb).size == (40, 60)
    assert ORIENTATION not in stored.getexif()


def test_every_exif_tag_including_gps_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    data = _encode(Image.new("RGB", (64, 48)), exif=exif)
    assert _open(data).getexif().get_ifd(GPS_IFD)  # the input really carries a position
    processed = process_image(data)
    for stored in (processed.image, processed.thumb):
        assert b"Exif\x00\x00" not in stored and b"PhoneMaker" not in stored
        assert len(_open(stored).getexif()) == 0


def test_an_icc_profile_and_xmp_are_stripped():
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    icc = bytes(range(256)) * 4  # opaque to the pipeline: it only has to be dropped
    data = _encode(Image.new("RGB", (64, 48)), icc_profile=icc, xmp=xmp)
    assert {"icc_profile", "xmp"} <= set(_open(data).info)
    processed = process_image(data)
    for stored in (processed.image, processed.thumb):
        assert not {"icc_profile", "xmp", "exif"} & set(_open(stored).info)


def test_a_jpeg_comment_is_stripped():
    data = _encode(Image.new("RGB", (64, 48)), comment=b"Ward 7, bed 12, 31.23N 121.47E")
    assert _open(data).info["comment"]
    processed = process_image(data)
    for stored in (processed.image, processed.thumb):
        assert b"Ward 7" not in stored
        assert "comment" not in _open(stored).info


def test_a_jpeg_carrying_a_second_image_is_stored_as_its_first():
    out = io.BytesIO()
    primary = Image.new("RGB", (80, 60), (200, 0, 0))
    primary.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30))])
    assert _open(out.getvalue()).format == "MPO"  # what Pillow calls phone gain-map JPEGs
    processed = process_image(out.getvalue())
    stored = _open(processed.image)
    assert (stored.format, stored.size) == ("JPEG", (80, 60))
    red, green, blue = stored.getpixel((40, 30))
    assert red > 180 and green < 40 and blue < 40


def test_a_png_with_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 10, 10))
    stored = _open(process_image(_encode(image, "PNG")).image)
    assert stored.mode == "RGB"
    assert min(stored.getpixel((15, 5))) > 245
    red, green, blue = stored.getpixel((3, 5))
    assert red > 180 and green < 40 and blue < 40


def test_a_palette_png_with_a_transparent_colour_is_flattened_onto_white():
    image = Image.new("P", (20, 10), 0)
    image.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    data = _encode(image, "PNG", transparency=0)
    stored = _open(process_image(data).image)
    assert stored.mode == "RGB"
    assert min(stored.getpixel((10, 5))) > 245


def test_a_webp_photo_is_accepted():
    processed = process_image(_encode(Image.new("RGB", (40, 30), (0, 128, 0)), "WEBP"))
    assert _open(processed.image).format == "JPEG"
    assert (processed.width, processed.height) == (40, 30)


def test_a_cmyk_jpeg_is_stored_as_rgb():
    data = _encode(Image.new("CMYK", (40, 30), (0, 255, 255, 0)))
    assert _open(process_image(data).image).mode == "RGB"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_formats_other_than_jpeg_png_and_webp_are_refused(fmt):
    error = _invalid(_encode(Image.new("RGB", (10, 10)), fmt))
    assert fmt in error.errors["body"][0]


def test_bytes_that_are_no_image_are_refused():
    _invalid(b"<!doctype html><html><body>not a photo</body></html>")


def test_a_truncated_jpeg_is_refused():
    whole = _encode(Image.effect_noise((300, 200), 60).convert("RGB"), quality=90)
    _invalid(whole[: len(whole) // 2])


def test_an_image_over_the_pixel_limit_is_refused_before_decoding():
    error = _invalid(_encode(Image.new("RGB", (101, 100)), "PNG"), PhotoLimits(max_pixels=10_000))
    assert "10000 pixels" in error.errors["body"][0]


def test_a_png_far_over_pillows_bomb_limit_is_refused():
    bomb = _encode(Image.new("1", (20_000, 20_000)), "PNG", optimize=True)
    assert len(bomb) < 100_000
    _invalid(bomb, PhotoLimits(max_pixels=10**9))  # Pillow's own DecompressionBombError


def test_a_png_over_pillows_warning_limit_is_refused():
    side = 10_000  # 100 megapixels: over Image.MAX_IMAGE_PIXELS, under twice that
    assert Image.MAX_IMAGE_PIXELS < side * side < 2 * Image.MAX_IMAGE_PIXELS
    bomb = _encode(Image.new("1", (side, side)), "PNG", optimize=True)
    error = _invalid(bomb, PhotoLimits(max_pixels=10**9))  # Pillow's DecompressionBombWarning
    assert "decompression bomb" in error.errors["body"][0]


def test_a_jpeg_whose_header_claims_huge_dimensions_is_refused():
    data = bytearray(_encode(Image.new("RGB", (16, 16))))
    sof = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    data[sof + 5 : sof + 9] = (60_000).to_bytes(2, "big") * 2
    with pytest.raises(Image.DecompressionBombError, match="3600000000 pixels"):
        Image.open(io.BytesIO(bytes(data)))  # the header now claims 60000×60000
    _invalid(bytes(data), PhotoLimits(max_pixels=10**10))


# --- check_upload ----------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_check_upload_returns_the_claimed_hash_in_lower_case():
    data = b"\xff\xd8 some bytes"
    assert check_upload(data, "image/jpeg", f" {_sha(data).upper()} ", PhotoLimits()) == _sha(data)


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "", "image/"])
def test_check_upload_refuses_other_content_types(content_type):
    data = b"bytes"
    with pytest.raises(UnsupportedPhotoType) as caught:
        check_upload(data, content_type, _sha(data), PhotoLimits())
    assert (caught.value.status, caught.value.code) == (415, "photo.unsupported_type")


def test_check_upload_refuses_a_body_over_the_limit():
    data = b"x" * 101
    with pytest.raises(PhotoTooLarge) as caught:
        check_upload(data, "image/png", _sha(data), PhotoLimits(max_bytes=100))
    assert (caught.value.status, caught.value.code) == (413, "photo.too_large")


def test_check_upload_accepts_a_body_at_the_limit():
    data = b"x" * 100
    assert check_upload(data, "image/png", _sha(data), PhotoLimits(max_bytes=100)) == _sha(data)


@pytest.mark.parametrize("claimed", [None, "", "abc", "g" * 64, "0" * 63])
def test_check_upload_refuses_a_malformed_hash_header(claimed):
    with pytest.raises(DomainError) as caught:
        check_upload(b"bytes", "image/jpeg", claimed, PhotoLimits())
    assert (caught.value.status, caught.value.code) == (422, "photo.invalid")
    assert list(caught.value.errors) == ["X-Content-SHA256"]


def test_check_upload_refuses_a_hash_of_other_bytes():
    with pytest.raises(DomainError) as caught:
        check_upload(b"bytes", "image/webp", _sha(b"other"), PhotoLimits())
    assert caught.value.code == "photo.invalid"
    assert list(caught.value.errors) == ["X-Content-SHA256"]


def test_check_upload_refuses_an_empty_body_even_with_its_hash():
    with pytest.raises(DomainError) as caught:
        check_upload(b"", "image/jpeg", _sha(b""), PhotoLimits())
    assert caught.value.code == "photo.invalid"
    assert list(caught.value.errors) == ["body"]


# --- LocalPhotoStorage -----------------------------------------------------------------------


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_storage_keys_are_the_sha256_of_the_bytes(tmp_path):
    storage = LocalPhotoStorage(tmp_path)
    key = storage.put(b"jpeg bytes")
    assert key == _sha(b"jpeg bytes")
    assert storage.get(key) == b"jpeg bytes"
    assert storage.exists(key)
    assert _files(tmp_path) == [f"{key[:2]}/{key[2:4]}/{key}.jpg"]


def test_storing_the_same_bytes_twice_keeps_one_file(tmp_path):
    storage = LocalPhotoStorage(tmp_path)
    assert storage.put(b"same") == storage.put(b"same")
    assert len(_files(tmp_path)) == 1


def test_different_bytes_get_different_keys(tmp_path):
    storage = LocalPhotoStorage(tmp_path)
    assert storage.put(b"one") != storage.put(b"two")
    assert len(_files(tmp_path)) == 2


def test_a_write_leaves_no_temporary_file(tmp_path):
    storage = LocalPhotoStorage(tmp_path)
    for n in range(5):
        storage.put(f"photo {n}".encode())
    assert not [name for name in _files(tmp_path) if ".upload-" in name]


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path, monkeypatch):
    storage = LocalPhotoStorage(tmp_path)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        storage.put(b"photo")
    assert not storage.exists(_sha(b"photo"))
    assert _files(tmp_path) == []


def test_an_unknown_key_is_not_stored(tmp_path):
    assert not LocalPhotoStorage(tmp_path).exists(_sha(b"never stored"))


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "0" * 63, ""])
def test_a_key_that_is_not_a_sha256_is_refused(tmp_path, key):
    with pytest.raises(ValueError):
        LocalPhotoStorage(tmp_path).get(key)
