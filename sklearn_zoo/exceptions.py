"""Errors the zoo raises besides scikit-learn's own."""


class CheckpointUnavailableError(FileNotFoundError, ValueError):
    """A checkpoint's weights are not on this machine and cannot be fetched (offline, or no network).

    The message names the command that fetches them on a connected machine.
    """
