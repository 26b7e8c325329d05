"""RPC handlers, one module per Telegram namespace; each exposes `HANDLERS` (request type -> handler)."""
