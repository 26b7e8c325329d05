"""The imports capability."""
