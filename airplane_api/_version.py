"""The package version, as installed (for the User-Agent)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("airplane-bot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
