"""Text for Telegram: alerts, digests and search results (pure, no I/O)."""
