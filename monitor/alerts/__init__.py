"""The alerts capability."""
