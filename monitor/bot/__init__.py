"""The bot capability."""
