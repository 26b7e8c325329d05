"""draftwatch: watch public Telegram channels for draft notices (package root, no I/O)."""

__version__ = "0.1.0"
