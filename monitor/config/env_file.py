"""The .env file: UTF-8 NAME=value lines, or one ConfigProblem naming the file and the fix (reads a file)."""

from __future__ import annotations

import io
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from monitor.errors import ConfigError, ConfigProblem


def read_env_file(env_file: Path) -> dict[str, str]:
    """NAME=value pairs of a UTF-8 .env file; ConfigError for unreadable, binary or malformed text."""
    try:
        data = env_file.read_bytes()
    except OSError as e:
        raise _env_file_error(
            env_file, f"cannot be read ({e.strerror}): fix its permissions"
        ) from e
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _env_file_error(
            env_file, f"is UTF-16 text: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 {env_file})"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _env_file_error(
            env_file,
            f"is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}): "
            "save it as UTF-8 NAME=value lines, or start again with init-config",
        ) from None
    if "\x00" in text:
        raise _env_file_error(env_file, "holds NUL bytes, so it is not a text file: rewrite it")
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            line = binding.original.string.strip()[:40]
            raise _env_file_error(
                env_file,
                f"line {binding.original.line} ({line!r}) is not NAME=value: fix or delete it",
            )
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def _env_file_error(env_file: Path, problem: str) -> ConfigError:
    return ConfigError([ConfigProblem(str(env_file), problem)])
