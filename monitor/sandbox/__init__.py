"""A local Telegram: an MTProto server that an unmodified Telethon client talks to (see docs/sandbox.md)."""
