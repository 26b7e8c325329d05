"""The demo capability."""
