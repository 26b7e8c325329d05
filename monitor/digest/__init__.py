"""The digest capability."""
