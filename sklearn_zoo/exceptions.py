"""Errors the zoo raises besides scikit-learn's own."""


class CheckpointUnavailableError(FileNotFoundError, ValueError):
    """A checkpoint's weights are not on this machine and cannot be fetched (offline, or no network).

    The message names the command that fetches them on a connected machine. It is both a
    ``FileNotFoundError`` (a file is missing) and a ``ValueError`` (scikit-learn's error for
    a parameter that cannot be used).

    See Also
    --------
    sklearn_zoo.is_available_offline : Whether a checkpoint's weights are on this machine.

    Examples
    --------
    >>> import os
    >>> from sklearn_zoo import CheckpointUnavailableError, TextEmbedder
    >>> os.environ["SKLEARN_ZOO_OFFLINE"] = "1"
    >>> try:
    ...     TextEmbedder("hf:an-org/a-model-not-on-this-machine").fit()
    ... except CheckpointUnavailableError as error:
    ...     print("sklearn-zoo download" in str(error))
    True
    >>> del os.environ["SKLEARN_ZOO_OFFLINE"]
    """


class LongFitWarning(UserWarning):
    """A fit's planned fine-tuning will take long (over about five minutes), at ``verbose=0``.

    Warned once, when the first steps of the stage have been timed; the message says how long it
    will take and how to shorten it (``time_budget``, ``strategy="probe"``, a smaller
    ``image_size``, a GPU). Silence it like any warning of its class.

    See Also
    --------
    sklearn_zoo.PretrainedImageClassifier : Its ``time_budget`` bounds the fit instead.

    Examples
    --------
    >>> import warnings
    >>> from sklearn_zoo import LongFitWarning
    >>> warnings.filterwarnings("ignore", category=LongFitWarning)
    """


class LicenseNotAllowedError(ValueError):
    """A checkpoint's license is outside the policy ``SKLEARN_ZOO_ALLOWED_LICENSES`` sets.

    Raised where weights load (``fit``, ``load``), never at import; the message names the
    license. Without the variable there is no policy and nothing is refused.

    See Also
    --------
    sklearn_zoo.list_checkpoints : ``list_checkpoints(license=...)`` lists those allowed.

    Examples
    --------
    >>> import os
    >>> from sklearn_zoo import LicenseNotAllowedError, TextEmbedder
    >>> os.environ["SKLEARN_ZOO_ALLOWED_LICENSES"] = "MIT"
    >>> try:
    ...     TextEmbedder("all-MiniLM-L6-v2").fit()
    ... except LicenseNotAllowedError as error:
    ...     print("'Apache-2.0'" in str(error))
    True
    >>> del os.environ["SKLEARN_ZOO_ALLOWED_LICENSES"]
    """
