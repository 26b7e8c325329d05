"""upload.* handlers: file parts kept until messages.sendMedia assembles them, and downloads by Telegram's rules (no I/O).

upload.getFile, as https://core.telegram.org/api/files#downloading-files states it: offset and
limit are multiples of 4 KiB, 1 MiB is divisible by the limit, and a chunk never crosses a
1 MiB boundary (with `precise`: multiples of 1 KiB, at most 1 MiB, same boundary rule).
Otherwise OFFSET_INVALID or LIMIT_INVALID (a chunk across a boundary is LIMIT_INVALID, as
Telethon #4390 reports). Past the end of the file the answer is empty bytes. Photo sizes
come as storage.fileJpeg; a document as its MIME type's storage type when one chunk holds
all of it (fileUnknown for types without one), else storage.filePartial.
"""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from monitor.sandbox.rpc.call import Call, Handler, RpcError

KIB = 1024
MIB = 1024 * 1024
_BY_MIME = {
    "image/jpeg": types.storage.FileJpeg,
    "image/png": types.storage.FilePng,
    "image/gif": types.storage.FileGif,
    "image/webp": types.storage.FileWebp,
    "application/pdf": types.storage.FilePdf,
    "audio/mpeg": types.storage.FileMp3,
    "video/quicktime": types.storage.FileMov,
    "video/mp4": types.storage.FileMp4,
}


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


def check_range(offset: int, limit: int, *, precise: bool = False) -> None:
    """Raise OFFSET_INVALID / LIMIT_INVALID for a chunk Telegram would refuse."""
    unit = KIB if precise else 4 * KIB
    if offset < 0 or offset % unit:
        raise RpcError(400, "OFFSET_INVALID")
    if limit <= 0 or limit % unit or limit > MIB or (not precise and MIB % limit):
        raise RpcError(400, "LIMIT_INVALID")
    if offset // MIB != (offset + limit - 1) // MIB:
        raise RpcError(400, "LIMIT_INVALID")


def get_file(call: Call, request: Any) -> types.upload.File:
    """A chunk of a stored photo size or document (download_media)."""
    me = call.me()
    check_range(request.offset, request.limit, precise=bool(request.precise))
    location = request.location
    if not isinstance(location, types.InputPhotoFileLocation | types.InputDocumentFileLocation):
        raise RpcError(400, "LOCATION_INVALID")
    item = call.world.media.get(location.id)
    wanted = types.Photo if isinstance(location, types.InputPhotoFileLocation) else types.Document
    if not isinstance(item, wanted) or item.access_hash != location.access_hash:
        raise RpcError(400, "FILE_ID_INVALID")
    call.world.file_refs.check(item.id, me.id, bytes(location.file_reference or b""))
    content, storage = _content(call, item, location)
    chunk = content[request.offset : request.offset + request.limit]
    if isinstance(item, types.Document) and len(chunk) < len(content):
        storage = types.storage.FilePartial  # a document's type is told only for the whole file
    return types.upload.File(type=storage(), mtime=int(item.date.timestamp()), bytes=chunk)


def _content(call: Call, item: Any, location: Any) -> tuple[bytes, Any]:
    """The bytes a location names and their storage.FileType."""
    if isinstance(item, types.Photo):
        content = call.world.photo_files.get((item.id, location.thumb_size))
        if content is None:  # "i" is inline only; any other type the photo does not have
            raise RpcError(400, "LOCATION_INVALID")
        return content, _storage_of_image(content)
    if location.thumb_size:  # sandbox documents have no thumbnails
        raise RpcError(400, "LOCATION_INVALID")
    return call.world.files[item.id], _BY_MIME.get(item.mime_type, types.storage.FileUnknown)


def _storage_of_image(content: bytes) -> Any:
    if content.startswith(b"\xff\xd8"):
        return types.storage.FileJpeg
    if content.startswith(b"\x89PNG"):
        return types.storage.FilePng
    return types.storage.FileUnknown


HANDLERS: dict[type, Handler] = {
    functions.upload.GetFileRequest: get_file,
    functions.upload.SaveFilePartRequest: save_file_part,
    functions.upload.SaveBigFilePartRequest: save_file_part,
}
