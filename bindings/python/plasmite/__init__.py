"""The Python binding of plasmite."""

__version__ = "0.1.0"


def version_line() -> str:
    """The line `plasmite --version` prints."""
    return f"plasmite {__version__}"
