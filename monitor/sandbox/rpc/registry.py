"""The full handler table: every namespace module's HANDLERS merged (no I/O)."""

from __future__ import annotations

from monitor.sandbox.rpc import auth, channels, help, messages, sending, updates, upload, users
from monitor.sandbox.rpc.call import Handler

_MODULES = (auth, channels, help, messages, sending, updates, upload, users)


def all_handlers() -> dict[type, Handler]:
    table: dict[type, Handler] = {}
    for module in _MODULES:
        table.update(module.HANDLERS)
    return table
