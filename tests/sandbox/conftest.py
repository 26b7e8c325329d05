"""Sandbox tests: fixtures come from tests/sandbox_fixtures.py, registered in tests/conftest.py."""
