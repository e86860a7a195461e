"""``python -m sklearn_zoo``: the ``sklearn-zoo`` command line."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
