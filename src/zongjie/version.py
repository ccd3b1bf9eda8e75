"""The package's version: the one place it is written (pyproject.toml reads it from here, so
the installed metadata agrees). A model file records it, and loading refuses a file made by
another major.minor version."""

__version__ = "0.2.0"
