"""auth.* and account.getPassword handlers: login by phone and code, 2FA by SRP, bot tokens (no I/O)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from monitor.sandbox import srp, tl_objects
from monitor.sandbox.rpc.call import Call, Handler, RpcError
from monitor.sandbox.world import Account


def send_code(call: Call, request: Any) -> types.auth.SentCode:
    account = call.world.find_phone(request.phone_number)
    if account is None or account.is_bot:
        raise RpcError(400, "PHONE_NUMBER_INVALID")
    return types.auth.SentCode(
        type=types.auth.SentCodeTypeApp(length=len(account.login_code)),
        phone_code_hash=_code_hash(account),
    )


def sign_in(call: Call, request: Any) -> types.auth.Authorization:
    account = call.world.find_phone(request.phone_number)
    if account is None:
        raise RpcError(400, "PHONE_NUMBER_UNOCCUPIED")
    if request.phone_code_hash != _code_hash(account):
        raise RpcError(400, "PHONE_CODE_EXPIRED")
    if request.phone_code != account.login_code:
        raise RpcError(400, "PHONE_CODE_INVALID")
    if account.password is not None:
        call.world.pending_2fa[call.auth_key_id] = account.id
        raise RpcError(401, "SESSION_PASSWORD_NEEDED")
    return _authorize(call, account)


def get_password(call: Call, request: Any) -> types.account.Password:
    account_id = call.world.pending_2fa.get(call.auth_key_id) or call.account_id
    account = call.world.accounts.get(account_id) if account_id else None
    if account is None or account.password is None:
        return srp.no_password()
    answer, state = srp.challenge(account.id, account.password)
    call.world.srp_challenges[call.auth_key_id] = state
    return answer


def check_password(call: Call, request: Any) -> types.auth.Authorization:
    account_id = call.world.pending_2fa.get(call.auth_key_id)
    state = call.world.srp_challenges.pop(call.auth_key_id, None)
    if account_id is None or state is None or not srp.verify(state, request.password):
        raise RpcError(400, "PASSWORD_HASH_INVALID")
    del call.world.pending_2fa[call.auth_key_id]
    return _authorize(call, call.world.accounts[account_id])


def import_bot_authorization(call: Call, request: Any) -> types.auth.Authorization:
    account = call.world.find_bot_token(request.bot_auth_token)
    if account is None:
        raise RpcError(400, "ACCESS_TOKEN_INVALID")
    return _authorize(call, account)


def log_out(call: Call, request: Any) -> types.auth.LoggedOut:
    call.world.authorizations.pop(call.auth_key_id, None)
    return types.auth.LoggedOut()


def _authorize(call: Call, account: Account) -> types.auth.Authorization:
    call.world.authorizations[call.auth_key_id] = account.id
    return types.auth.Authorization(user=tl_objects.user(account, account.id))


def _code_hash(account: Account) -> str:
    return f"{account.id:x}{account.access_hash % 10**8:x}"


HANDLERS: dict[type, Handler] = {
    functions.auth.SendCodeRequest: send_code,
    functions.auth.SignInRequest: sign_in,
    functions.auth.ImportBotAuthorizationRequest: import_bot_authorization,
    functions.auth.CheckPasswordRequest: check_password,
    functions.auth.LogOutRequest: log_out,
    functions.account.GetPasswordRequest: get_password,
}
