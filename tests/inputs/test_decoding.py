"""Images are decoded the way they look: EXIF orientation, 16-bit data, CMYK, transparency, animated
GIFs, lying extensions; bad files and paths are refused naming the file and its position; a pixel
limit read from the header bounds the memory one file can take."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from sklearn_zoo import ImageEmbedder
from sklearn_zoo.inputs import as_image_source


def _load(images, **limits) -> list[np.ndarray]:
    """Decoded images as H x W x 3 uint8 arrays."""
    source = as_image_source(images)
    loaded = source.load(list(range(len(source))), **limits)
    return [img.permute(1, 2, 0).numpy() for img in loaded]


def _photo(h: int = 24, w: int = 40) -> np.ndarray:
    """A small picture with no symmetry: every pixel differs from its mirror images."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // w, y * 255 // h, (x * 7 + y * 3) % 256], axis=-1).astype(np.uint8)


# -- EXIF orientation ------------------------------------------------------------------------------

# what a viewer shows for each orientation tag (EXIF 2.3, tag 0x0112), from the stored pixels
SHOWN = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # mirrored left-right
    3: lambda a: a[::-1, ::-1],  # rotated 180
    4: lambda a: a[::-1],  # mirrored top-bottom
    5: lambda a: a.transpose(1, 0, 2),  # mirrored along the main diagonal
    6: lambda a: np.rot90(a, -1),  # rotated 90 clockwise
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # mirrored along the other diagonal
    8: lambda a: np.rot90(a, 1),  # rotated 90 counter-clockwise
}


def _jpeg(path: Path, pixels: np.ndarray, orientation: int | None = None) -> str:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.fromarray(pixels).save(path, quality=95, exif=exif)
    return str(path)


@pytest.mark.parametrize("orientation", sorted(SHOWN))
def test_exif_orientation_is_applied_to_paths_and_pil_images(orientation, tmp_path):
    stored = _photo()
    plain = _jpeg(tmp_path / "plain.jpg", stored)
    tagged = _jpeg(tmp_path / "tagged.jpg", stored, orientation)
    (pixels,) = _load([plain])  # the same JPEG data, no tag: what the tagged file stores
    expected = np.ascontiguousarray(SHOWN[orientation](pixels))
    (from_path,) = _load([tagged])
    np.testing.assert_array_equal(from_path, expected)
    with Image.open(tagged) as img:
        (from_pil,) = _load([img])
    np.testing.assert_array_equal(from_pil, expected)


# -- 16-bit ---------------------------------------------------------------------------------------


def test_a_16_bit_png_decodes_and_embeds_like_its_8_bit_copy(tmp_path, tiny_image_checkpoint):
    gray8 = _photo()[..., 0]
    Image.fromarray(gray8).save(tmp_path / "8.png")
    Image.fromarray(gray8.astype(np.uint16) * 257).save(tmp_path / "16.png")  # full 16-bit range
    with Image.open(tmp_path / "16.png") as img:
        assert img.mode.startswith("I;16") or img.mode == "I"
    paths = [str(tmp_path / "8.png"), str(tmp_path / "16.png")]
    eight, sixteen = _load(paths)
    np.testing.assert_array_equal(sixteen, eight)
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False).fit()
    out = emb.transform(paths)
    np.testing.assert_allclose(out[1], out[0], atol=1e-6)
    # the 16-bit pixels as an array (batch, and one image in a list): scaled the same way
    as_array = gray8.astype(np.uint16) * 257
    np.testing.assert_allclose(emb.transform(as_array[None]), out[:1], atol=1e-6)
    np.testing.assert_array_equal(_load([as_array, gray8[:5]])[0], eight)


def test_uint16_arrays_are_scaled_by_their_range():
    values = np.array([[0, 257, 32896, 65534, 65535]], dtype=np.uint16)
    (out,) = _load([values])
    np.testing.assert_array_equal(out[..., 0], [[0, 1, 128, 255, 255]])
    batch = as_image_source(np.repeat(values[None], 2, axis=0)).tensor
    np.testing.assert_array_equal(batch[:, 0].numpy(), [[[0, 1, 128, 255, 255]]] * 2)


# -- colour modes, transparency, animation, formats ------------------------------------------------


def test_cmyk_jpeg_decodes_to_its_colours(tmp_path):
    rgb = _photo(48, 64)
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    with Image.open(tmp_path / "cmyk.jpg") as img:
        assert img.mode == "CMYK"
    (out,) = _load([str(tmp_path / "cmyk.jpg")])
    assert np.abs(out.astype(int) - rgb).mean() < 3  # JPEG's loss, nothing more


def test_transparency_is_composited_on_white(tmp_path):
    rgb = _photo()
    alpha = np.tile(np.linspace(0, 255, rgb.shape[1]).astype(np.uint8), (rgb.shape[0], 1))
    rgba = np.dstack([rgb, alpha])
    over_white = np.rint(rgb * (alpha[..., None] / 255) + 255 * (1 - alpha[..., None] / 255))
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    gray = rgb[..., 1]
    Image.fromarray(np.dstack([gray, alpha]), mode="LA").save(tmp_path / "la.png")
    from_file, from_la = _load([str(tmp_path / "rgba.png"), str(tmp_path / "la.png")])
    assert np.abs(from_file.astype(int) - over_white).max() <= 1
    assert np.abs(from_la[..., 0].astype(int) - over_white[..., 1]).max() <= 1
    assert (from_file[:, 0] == 255).all()  # fully transparent: the white page
    # the same pixels as an RGBA array (NHWC batch, or one image in a list): the same rule
    np.testing.assert_array_equal(as_image_source(rgba[None]).tensor[0].permute(1, 2, 0), from_file)
    np.testing.assert_array_equal(_load([rgba, rgb])[0], from_file)


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_with_a_transparent_colour(fmt, tmp_path):
    index = np.zeros((8, 10), np.uint8)
    index[:, 5:] = 1
    img = Image.fromarray(index, mode="P")
    img.putpalette([200, 0, 0, 0, 0, 200])
    path = tmp_path / f"palette.{fmt.lower()}"
    img.save(path, transparency=0)
    (out,) = _load([str(path)])
    assert (out[:, :5] == 255).all()  # colour 0 is transparent: white
    assert (out[:, 5:] == [0, 0, 200]).all()


def test_animated_gif_gives_its_first_frame(tmp_path):
    frames = [
        Image.new("RGB", (12, 9), colour) for colour in ((250, 0, 0), (0, 250, 0), (0, 0, 250))
    ]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    with Image.open(tmp_path / "anim.gif") as img:
        assert img.n_frames == 3
    (out,) = _load([str(tmp_path / "anim.gif")])
    assert out.shape == (9, 12, 3)
    assert np.abs(out.astype(int) - [250, 0, 0]).max() <= 4  # the GIF palette's nearest red


def test_extensions_that_lie_about_the_format(tmp_path):
    rgb = _photo()
    Image.fromarray(rgb).save(tmp_path / "png.jpg", format="PNG")
    Image.fromarray(rgb).save(tmp_path / "jpeg.png", format="JPEG", quality=95)
    Image.fromarray(rgb).save(tmp_path / "true.jpg", quality=95)
    png, jpeg, true_jpeg = _load([str(tmp_path / n) for n in ("png.jpg", "jpeg.png", "true.jpg")])
    np.testing.assert_array_equal(png, rgb)
    np.testing.assert_array_equal(jpeg, true_jpeg)


def test_grayscale_2d_arrays_in_a_list():
    gray = [_photo()[..., 0], _photo(10, 7)[..., 1], _photo()[..., 2]]
    for out, g in zip(_load(gray), gray):
        np.testing.assert_array_equal(out, np.repeat(g[..., None], 3, axis=-1))
    same_size = [g for g in gray if g.shape == gray[0].shape]
    batch = as_image_source(same_size).tensor  # one size: a single batch, read the same way
    np.testing.assert_array_equal(batch[:, 0].numpy(), np.stack(same_size))


# -- one image where a batch is expected ---------------------------------------------------------


@pytest.mark.parametrize("shape", [(32, 48, 3), (32, 48, 4), (5, 3, 3)])
def test_one_color_image_is_refused_with_how_to_pass_it(shape):
    image = np.zeros(shape, np.uint8)
    with pytest.raises(ValueError, match=r"one color image \(H, W, C\).*X\[None\].*\[image\]"):
        as_image_source(image)
    assert as_image_source(image[None]).tensor.shape == (1, 3, *shape[:2])
    assert len(as_image_source([image])) == 1


def test_three_dimensional_arrays_otherwise_are_grayscale_batches():
    assert as_image_source(np.zeros((3, 28, 28), np.uint8)).tensor.shape == (3, 3, 28, 28)
    assert as_image_source(np.zeros((7, 28, 28, 1), np.uint8)).tensor.shape == (7, 3, 28, 28)
    with pytest.raises(ValueError, match=r"one grayscale image, pass X\[None\]"):
        as_image_source(np.zeros((28, 28), np.uint8))


# -- bad files and paths ---------------------------------------------------------------------------


@pytest.fixture
def good_png(tmp_path) -> str:
    Image.fromarray(_photo()).save(tmp_path / "ok.png")
    return str(tmp_path / "ok.png")


def test_missing_folders_and_empty_files_are_refused_up_front(tmp_path, good_png):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "folder.png").mkdir()
    paths = [good_png] * 10_000
    paths[7_777] = str(tmp_path / "gone.jpg")
    with pytest.raises(ValueError, match=r"gone\.jpg' \(index 7777\) does not exist\.$"):
        as_image_source(paths)
    for bad, why in (
        ("empty.jpg", r"is empty \(0 bytes\)"),
        ("folder.png", "is a directory, not an image file"),
    ):
        paths = [good_png] * 5 + [str(tmp_path / bad)] * 2
        with pytest.raises(ValueError, match=rf"{bad}' \(index 5\) {why} \(2 bad paths in all\)"):
            as_image_source(paths)


def test_unreadable_files_are_refused_when_decoded_naming_their_position(tmp_path, good_png):
    data = Path(good_png).read_bytes()
    (tmp_path / "truncated.png").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.jpg").write_bytes(os.urandom(2000))
    (tmp_path / "text.png").write_text("not an image")
    for name in ("truncated.png", "noise.jpg", "text.png"):
        source = as_image_source([good_png, good_png, str(tmp_path / name)])
        source.load([0, 1])  # the good ones decode
        with pytest.raises(ValueError, match=rf"{name}' \(index 2\) is not a readable image"):
            source.subset([1, 2]).load([0, 1])  # a subset still names the user's position


def test_a_bad_path_stops_fit_before_any_weight_is_loaded(tmp_path, good_png, monkeypatch):
    from sklearn_zoo import PretrainedImageClassifier
    from sklearn_zoo.estimators import _continue

    def no_training(*args, **kwargs):
        raise AssertionError("fit started before the paths were checked")

    monkeypatch.setattr(_continue, "load_backbone", no_training)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ValueError, match=r"folder' \(index 3\) is a directory"):
        PretrainedImageClassifier().fit([good_png] * 3 + [str(tmp_path / "folder")], [0, 1] * 2)


# -- the pixel limit -------------------------------------------------------------------------------


def test_files_over_the_pixel_limit_are_refused_from_their_header(tmp_path):
    Image.fromarray(_photo(40, 50)).save(tmp_path / "big.png")
    Image.fromarray(_photo(4, 5)).save(tmp_path / "small.png")
    path = str(tmp_path / "big.png")
    with pytest.raises(
        ValueError,
        match=r"big\.png' \(index 1\) has 50 x 40 = 2,000 pixels, more than max_image_pixels=1,999",
    ):
        _load([str(tmp_path / "small.png"), path], max_pixels=1_999)
    assert _load([path], max_pixels=2_000)[0].shape == (40, 50, 3)
    assert _load([path], max_pixels=None)[0].shape == (40, 50, 3)


def test_large_jpegs_are_decoded_at_a_reduced_scale_never_below_the_resize(tmp_path):
    photo = np.kron(_photo(50, 60), np.ones((8, 8, 1), np.uint8))  # 400 x 480, smooth at 1/8
    path = _jpeg(tmp_path / "big.jpg", photo)
    (full,) = _load([path], max_pixels=None)
    assert full.shape == (400, 480, 3)
    (quarter,) = _load([path], max_pixels=20_000, min_side=100)  # 1/4: 100 x 120
    assert quarter.shape == (100, 120, 3)
    downscaled = np.asarray(Image.fromarray(full).resize((120, 100), Image.BOX))
    assert np.abs(quarter.astype(int) - downscaled).mean() < 3
    with pytest.raises(ValueError, match="more than max_image_pixels=20,000"):
        _load([path], max_pixels=20_000, min_side=101)  # 1/4 would go below 101: no way under


def test_the_estimators_pass_their_pixel_limit_to_decoding(tmp_path, tiny_image_checkpoint):
    Image.fromarray(_photo(40, 50)).save(tmp_path / "big.png")
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False, max_image_pixels=1_000)
    with pytest.raises(ValueError, match="more than max_image_pixels=1,000"):
        emb.fit().transform([str(tmp_path / "big.png")])
    assert (
        emb.set_params(max_image_pixels=None).transform([str(tmp_path / "big.png")]).shape[0] == 1
    )


def test_pil_images_skip_the_limit_they_are_decoded_already():
    img = Image.fromarray(_photo(40, 50))
    assert _load([img], max_pixels=10)[0].shape == (40, 50, 3)
    assert isinstance(as_image_source([img]).load([0])[0], torch.Tensor)
