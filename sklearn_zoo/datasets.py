"""Datasets: folders of image files as users keep them (``root/<class>/*.jpg``), and small real
data for examples and tests (the review sentences of Kotzias et al., KDD 2015; digits as images)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_SENTENCE_FILES = ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt")


def _candidates() -> list[Path]:
    env = os.environ.get("SKLEARN_ZOO_DATA")
    here = Path(__file__).resolve().parents[1]
    paths = [Path(env)] if env else []
    return [*paths, here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]


def load_sentences(
    path: str | os.PathLike | None = None, *, return_site: bool = False
) -> tuple[np.ndarray, ...]:
    """3,000 review sentences (amazon, imdb, yelp) and their 0/1 sentiment labels.

    Looks in ``path``, then ``$SKLEARN_ZOO_DATA``, then ``../shared/data`` beside the repository.
    Raises ``FileNotFoundError`` (saying where it looked) when the folder is absent.
    ``return_site=True`` also returns the site each sentence comes from (``"amazon"``,
    ``"imdb"`` or ``"yelp"``): ``(texts, labels, sites)``.
    """
    folders = (
        [Path(path)]
        if path is not None
        else [p / "sentiment_labelled_sentences" for p in _candidates()]
    )
    for folder in folders:
        if all((folder / name).is_file() for name in _SENTENCE_FILES):
            texts, labels, sites = [], [], []
            for name in _SENTENCE_FILES:
                for line in (folder / name).read_text(encoding="utf-8").splitlines():
                    text, _, label = line.rstrip().rpartition("\t")
                    if text.strip() and label in ("0", "1"):
                        texts.append(text.strip())
                        labels.append(int(label))
                        sites.append(name.split("_")[0])
            out = (np.asarray(texts, dtype=object), np.asarray(labels))
            return (*out, np.asarray(sites)) if return_site else out
    raise FileNotFoundError(
        "The sentiment_labelled_sentences folder was not found in: "
        + ", ".join(str(f) for f in folders)
    )


def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten digits as 8x8 uint8 images (0-255) and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images * 16).clip(0, 255).astype(np.uint8), digits.target


def load_image_folder(root: str | os.PathLike, *, categories: Sequence[str] | None = None) -> Any:
    """Load the image files of ``root/<class>/``: paths, labels and class names.

    One subfolder per class, as scikit-learn's ``load_files`` lists text files; the paths go
    straight into any image estimator. A file is an image when PIL knows its extension (``.jpg``, ``.png``, ``.webp`` ...); other
    files, hidden ones (``.DS_Store``, ``._photo.jpg``) and nested folders are skipped and counted.
    Files are sorted by name within each class; files directly in ``root`` are ignored.

    Parameters
    ----------
    root : str or path-like
        The folder holding one subfolder per class.
    categories : list of str, default=None
        The class folders to read; ``None`` reads every subfolder but hidden ones.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``filenames`` (ndarray of str, the image paths), ``target`` (ndarray of int, indices into
        ``target_names``), ``target_names`` (list of str, the sorted class folder names) and
        ``n_skipped`` (int, the files of the class folders that were left out).

    Raises
    ------
    FileNotFoundError
        ``root`` (or a requested category) is not a folder.
    ValueError
        ``root`` has no class folder, or a class folder holds no image file.

    See Also
    --------
    sklearn.datasets.load_files : The same layout, for text files.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> from sklearn_zoo.datasets import load_image_folder
    >>> folder = tempfile.TemporaryDirectory()
    >>> root = Path(folder.name)
    >>> for name in ("cats/a.jpg", "cats/b.png", "dogs/c.jpg", "dogs/notes.txt"):
    ...     (root / name).parent.mkdir(exist_ok=True)
    ...     Image.new("RGB", (8, 8)).save(root / name, format="PNG")
    >>> photos = load_image_folder(root)
    >>> photos.target_names, photos.target.tolist(), photos.n_skipped
    (['cats', 'dogs'], [0, 0, 1], 1)
    >>> folder.cleanup()
    """
    from PIL import Image
    from sklearn.utils import Bunch

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"The image folder {str(root)!r} does not exist or is not a folder."
        )
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if categories is not None:
        missing = sorted(set(categories) - set(names))
        if missing:
            raise FileNotFoundError(f"No class folder {missing} in {str(root)!r}; it has {names}.")
        names = [n for n in names if n in set(categories)]  # sorted, as load_files keeps them
    if not names:
        raise ValueError(
            f"{str(root)!r} has no class folders: expected one subfolder per class, "
            "root/<class>/<image files>."
        )
    extensions = set(Image.registered_extensions())
    filenames, target, skipped = [], [], 0
    for label, name in enumerate(names):
        entries = sorted((root / name).iterdir())
        images = [
            p
            for p in entries
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in extensions
        ]
        if not images:
            raise ValueError(
                f"The class folder {str(root / name)!r} holds no image file ({len(entries)} "
                "other entries). Remove it, add images, or pass categories=[...] without it."
            )
        skipped += len(entries) - len(images)
        filenames += [str(p) for p in images]
        target += [label] * len(images)
    return Bunch(
        filenames=np.asarray(filenames),
        target=np.asarray(target),
        target_names=names,
        n_skipped=skipped,
    )
