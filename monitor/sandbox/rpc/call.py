"""What a handler receives: the world, the caller's authorization, and the error it may raise (no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.sandbox.world import Account, World


class RpcError(Exception):
    """Answer the call with rpc_error(code, message), as Telegram would."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


@dataclass
class Call:
    """One RPC in flight: who calls (by auth key) and the world it acts on."""

    world: World
    auth_key_id: int
    method: str
    dc_address: tuple[str, int]
    dc_id: int

    @property
    def account_id(self) -> int | None:
        return self.world.authorizations.get(self.auth_key_id)

    def me(self) -> Account:
        """The logged-in account, or AUTH_KEY_UNREGISTERED like Telegram."""
        account_id = self.account_id
        if account_id is None:
            raise RpcError(401, "AUTH_KEY_UNREGISTERED")
        return self.world.accounts[account_id]


Handler = Callable[[Call, Any], Any]
