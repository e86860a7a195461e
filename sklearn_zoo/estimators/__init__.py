"""scikit-learn estimators over zoo checkpoints."""

from pathlib import Path
from typing import Any

from ..persistence import load as _load
from ..persistence import register_estimator
from .embedders import ImageEmbedder, TextEmbedder
from .image import PretrainedImageClassifier, PretrainedImageRegressor
from .text import PretrainedTextClassifier, PretrainedTextRegressor

__all__ = [
    "ImageEmbedder",
    "PretrainedImageClassifier",
    "PretrainedImageRegressor",
    "PretrainedTextClassifier",
    "PretrainedTextRegressor",
    "TextEmbedder",
]

for _name in __all__:  # load() finds a class by the name in a folder among these only
    register_estimator(globals()[_name])


def load(path: str | Path, *, device: str | None = None, trust_remote_code: bool = False) -> Any:
    """Read any estimator written by ``save``, its class found from the folder.

    Nothing is downloaded and no code the folder names or ships is run (see the estimators'
    ``load``, which this calls).

    Parameters
    ----------
    path : str or path-like
        A directory written by an estimator's ``save``.
    device : str, default=None
        Where to put the network; ``None`` is the device it was fitted on, or the CPU when this
        machine does not have it.
    trust_remote_code : bool, default=False
        Run the model code shipped in the folder's ``config/``. Only for a folder you trust as
        you would a program.

    Returns
    -------
    estimator : object
        The fitted estimator, of the class the folder names.

    See Also
    --------
    PretrainedImageClassifier.load : The same, for a class known in advance.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_zoo import TextEmbedder, load
    >>> folder = tempfile.mkdtemp()
    >>> path = TextEmbedder("all-MiniLM-L6-v2").fit().save(folder)
    >>> type(load(path)).__name__
    'TextEmbedder'
    """
    return _load(path, device=device, trust_remote_code=trust_remote_code)
