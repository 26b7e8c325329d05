"""Datasette plugin (loaded by `python bot.py browse`): the analysts' pages of
monitor/search/webview.py (search with facets, a post, its media files) and the password page."""

from __future__ import annotations

from datasette import hookimpl

from monitor.search.webview import forbidden_page, routes

register_routes = hookimpl(routes)
forbidden = hookimpl(forbidden_page)
