"""Secrets: showing them without revealing them, and where they may travel in the clear."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_URL_CREDENTIALS = re.compile(r"(?:(?<=://)|^)[^/?#@\s]+@")
_LOCAL_NAMES = frozenset({"localhost", "host.docker.internal"})


def mask_secret(value: str) -> str:
    """`sk-proj-abcdef123456` -> `sk-p…3456`; short values show nothing but their length."""
    if len(value) < 12:
        return "*" * min(len(value), 8) if value else ""
    return f"{value[:4]}…{value[-4:]}"


def hide_url_credentials(text: str) -> str:
    """`postgres://sekha:hunter2@db/sekha` -> `postgres://***@db/sekha`: a password is a secret."""
    return _URL_CREDENTIALS.sub("***@", text)


def is_local_host(host: str) -> bool:
    """Hosts a key may reach over plain http: loopback, private and link-local addresses,
    `localhost` names, and single-label names (compose/Kubernetes services such as `ollama`).

    Addresses are judged as addresses first: a public IPv6 address has no dot either.
    """
    name = host.strip("[]").lower()
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return name in _LOCAL_NAMES or name.endswith(".localhost") or "." not in name
    return address.is_loopback or address.is_private or address.is_link_local


def is_local_url(url: str) -> bool:
    """`is_local_host` of a URL's host; a URL that cannot be split is not local."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return bool(host) and is_local_host(host)
