"""Helpers for safe redirects."""

from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect


def safe_next(default: str) -> str:
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.netloc
        and "\\" not in target
        and all(ord(c) >= 32 for c in target)
    ):
        return target
    return default


def page_to_show(target: str, default: str) -> str:
    """``target`` when it is a page (a GET route); otherwise the nearest page above it.
    A page shown in answer to a form (a vote's receipt, a form with errors) has the
    form's address, which only takes POST: going back there would be a 405."""
    adapter = current_app.url_map.bind("localhost")
    path, _, query = target.partition("?")
    while path.startswith("/"):
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:  # the page, with or without its slash
            pass
        except HTTPException:  # no page here (405, 404): one level up
            path, query = path.rstrip("/").rpartition("/")[0], ""
            continue
        return f"{path}?{query}" if query else path
    return default
