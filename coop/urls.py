"""Helpers for safe redirects."""

from urllib.parse import urlsplit

from flask import request


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
