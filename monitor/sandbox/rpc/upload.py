"""upload.* handlers: file parts kept until messages.sendMedia assembles them, and downloads (no I/O)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from monitor.sandbox.rpc.call import Call, Handler, RpcError


def save_file_part(call: Call, request: Any) -> bool:
    parts = call.world.uploads.setdefault((call.me().id, request.file_id), {})
    parts[request.file_part] = bytes(request.bytes)
    return True


def assemble(call: Call, input_file: Any) -> bytes:
    """The content of an uploaded InputFile / InputFileBig, or FILE_PARTS_INVALID."""
    parts = call.world.uploads.pop((call.me().id, input_file.id), None)
    if parts is None or sorted(parts) != list(range(input_file.parts)):
        raise RpcError(400, "FILE_PARTS_INVALID")
    return b"".join(parts[i] for i in range(input_file.parts))


def get_file(call: Call, request: Any) -> types.upload.File:
    """A chunk of a stored photo or document (download_media)."""
    call.me()
    content = call.world.files.get(getattr(request.location, "id", 0))
    if content is None:
        raise RpcError(400, "FILE_REFERENCE_INVALID")
    chunk = content[request.offset : request.offset + request.limit]
    return types.upload.File(type=types.storage.FileUnknown(), mtime=0, bytes=chunk)


HANDLERS: dict[type, Handler] = {
    functions.upload.GetFileRequest: get_file,
    functions.upload.SaveFilePartRequest: save_file_part,
    functions.upload.SaveBigFilePartRequest: save_file_part,
}
