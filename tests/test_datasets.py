"""``load_image_folder``: a ``root/<class>/*.jpg`` tree as paths, labels and class names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sklearn_zoo import load_image_folder
from sklearn_zoo.datasets import _candidates


def _tree(root: Path, files: dict[str, str]) -> Path:
    """``files``: relative path -> "image" (a real 8x8 image, saved as its extension says) or text."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == "image":
            Image.new("RGB", (8, 8), (len(name) * 9 % 256, 80, 160)).save(path)
        else:
            path.write_text(content)
    return root


def test_classes_labels_and_skipped_files(tmp_path):
    root = _tree(
        tmp_path,
        {
            "dogs/b.png": "image",
            "dogs/a.JPG": "image",
            "dogs/Thumbs.db": "junk",
            "cats/z.webp": "image",
            "cats/notes.txt": "a note",
            "cats/.DS_Store": "junk",
            "cats/._z.jpg": "AppleDouble junk with an image extension",
            "cats/nested/deeper.jpg": "image",
            "README.md": "files directly in root are not in a class",
            ".hidden/x.jpg": "image",
        },
    )
    data = load_image_folder(root)
    assert data.target_names == ["cats", "dogs"]
    assert [Path(f).relative_to(root).as_posix() for f in data.filenames] == [
        "cats/z.webp",
        "dogs/a.JPG",
        "dogs/b.png",
    ]
    np.testing.assert_array_equal(data.target, [0, 1, 1])
    assert data.n_skipped == 5  # notes.txt, .DS_Store, ._z.jpg, nested/, Thumbs.db
    assert isinstance(data.filenames, np.ndarray) and data.filenames.dtype.kind == "U"
    only_dogs = load_image_folder(root, categories=["dogs"])
    assert only_dogs.target_names == ["dogs"] and only_dogs.target.tolist() == [0, 0]


def test_an_empty_class_is_refused(tmp_path):
    root = _tree(tmp_path, {"cats/a.png": "image", "dogs/readme.txt": "no photos yet"})
    (root / "birds").mkdir()
    with pytest.raises(ValueError, match=r"birds' holds no image file \(0 other entries\)"):
        load_image_folder(root)
    with pytest.raises(ValueError, match=r"dogs' holds no image file \(1 other entries\)"):
        load_image_folder(root, categories=["cats", "dogs"])
    assert load_image_folder(root, categories=["cats"]).filenames.shape == (1,)


def test_missing_root_no_classes_and_unknown_categories(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist or is not a folder"):
        load_image_folder(tmp_path / "nowhere")
    _tree(tmp_path, {"loose.png": "image"})
    with pytest.raises(ValueError, match="has no class folders"):
        load_image_folder(tmp_path)
    _tree(tmp_path, {"cats/a.png": "image"})
    with pytest.raises(FileNotFoundError, match=r"No class folder \['dogs'\]"):
        load_image_folder(tmp_path, categories=["cats", "dogs"])


def test_the_paths_feed_an_image_estimator(tmp_path, tiny_image_checkpoint):
    from sklearn_zoo import ImageEmbedder

    root = _tree(tmp_path, {f"{c}/{i}.png": "image" for c in ("a", "b") for i in range(3)})
    data = load_image_folder(root)
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False).fit()
    assert emb.transform(data.filenames).shape[0] == len(data.target) == 6


def test_real_photo_folders():
    folders = [p for p in _candidates() if (p / "cats_dogs").is_dir()]
    if not folders:
        pytest.skip("../shared/data is not on this machine")
    data = load_image_folder(folders[0] / "cats_dogs")
    assert data.target_names == ["cats", "dogs"]
    assert np.bincount(data.target).tolist() == [250, 250] and data.n_skipped == 0


def test_sentences_with_their_site(tmp_path):
    """``return_site=True`` adds the site of each sentence; without it the two arrays as before."""
    from sklearn_zoo.datasets import load_sentences

    lines = {
        "amazon": "Great phone.\t1\n",
        "imdb": "Dull film.\t0\nFine.\t1\n",
        "yelp": "Bad.\t0\n",
    }
    for site, text in lines.items():
        (tmp_path / f"{site}{'_cells' if site == 'amazon' else ''}_labelled.txt").write_text(text)
    texts, labels, sites = load_sentences(tmp_path, return_site=True)
    assert texts.tolist() == ["Great phone.", "Dull film.", "Fine.", "Bad."]
    assert labels.tolist() == [1, 0, 1, 0]
    assert sites.tolist() == ["amazon", "imdb", "imdb", "yelp"]
    old = load_sentences(tmp_path)
    assert len(old) == 2 and old[0].tolist() == texts.tolist()
