"""Registers the sandbox fixtures until the lead adds them to the root conftest."""

pytest_plugins = ["tests.sandbox_fixtures"]
