"""The reader capability."""
