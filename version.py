"""The release this checkout is: bumped with every entry in CHANGELOG.md, shown by /healthz and `flask version`."""

__version__ = "1.2.24"
