"""Kept for imports written before sekha_migrate.model.masking held this logic."""

from __future__ import annotations

from sekha_migrate.model.masking import (
    hide_url_credentials,
    is_local_host,
    is_local_url,
    mask_secret,
    mask_text,
    mask_value,
)

__all__ = [
    "hide_url_credentials",
    "is_local_host",
    "is_local_url",
    "mask_secret",
    "mask_text",
    "mask_value",
]
