"""Makes the sandbox fixtures available here until the lead registers tests.sandbox_fixtures in the root conftest."""

from tests.sandbox_fixtures import sandbox, sandbox_server_key

__all__ = ["sandbox", "sandbox_server_key"]
