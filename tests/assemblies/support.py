"""Helpers the assembly tests share."""

from __future__ import annotations

import html


def text(response) -> str:
    """A page as its reader sees the text (entities unescaped)."""
    return html.unescape(response.get_data(as_text=True))
