"""Showing secrets without revealing them."""

from __future__ import annotations


def mask_secret(value: str) -> str:
    """`sk-proj-abcdef123456` -> `sk-p…3456`; short values show nothing but their length."""
    if len(value) < 12:
        return "*" * min(len(value), 8) if value else ""
    return f"{value[:4]}…{value[-4:]}"
