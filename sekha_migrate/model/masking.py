"""Secrets: the one way one is shown, and where one may travel in the clear.

Keys show their first and last few characters, URL credentials become `***@`. Every exit
(text, tables, diffs, reports, warnings, probe errors, validate messages) goes through
these functions, so no two exits can disagree about what is hidden.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sekha_migrate.model.facts import SECRET_KEYS
from sekha_migrate.model.placeholders import PLACEHOLDER

# Userinfo after `scheme://`, up to the last `@` before the host: a password may hold
# spaces or `@`-free punctuation, and a password shown in part is still shown.
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/?#\n'\"<>()]*@|^[^/?#@\s]+@")
# `"api_key": "sk-..."` inside text that is (or was meant to be) JSON.
_JSON_SECRET = re.compile(
    r'("(?:[A-Za-z0-9_]*(?:key|token|secret|password|passwd)[A-Za-z0-9_]*)"\s*:\s*)'
    r'"((?:[^"\\]|\\.)*)"',
    re.IGNORECASE,
)
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD")
_LOCAL_NAMES = frozenset({"localhost", "host.docker.internal"})
MIN_SHOWN_LENGTH = 12  # below this a key shows nothing but stars: 8 of 11 would be most of it


def mask_secret(value: str) -> str:
    """`sk-proj-abcdef123456` -> `sk-p…3456`; short values show only stars."""
    if len(value) < MIN_SHOWN_LENGTH:
        return "*" * min(len(value), 8) if value else ""
    return f"{value[:4]}…{value[-4:]}"


def hide_url_credentials(text: str) -> str:
    """`postgres://sekha:hunter2@db/sekha` -> `postgres://***@db/sekha`: a password is a secret."""
    return _URL_CREDENTIALS.sub("***@", text)


def is_secret_name(name: str) -> bool:
    """A key or variable that holds a secret: the model's secret keys, and names that say so
    (POSTGRES_PASSWORD, OPENAI_API_KEY)."""
    upper = name.upper()
    return name in SECRET_KEYS or any(word in upper for word in _SECRET_WORDS)


def is_reference(value: Any) -> bool:
    """A string that is only `${VAR}` references and text around them: nothing secret in it."""
    return isinstance(value, str) and any(PLACEHOLDER.findall(value))


def mask_value(value: Any, *, secret: bool = False) -> Any:
    """A value as it may be displayed or stored in a report.

    Secrets are masked (a `${VAR}` reference is kept: it names, not holds, the secret);
    inside mappings, secret-named keys are masked; every string loses URL credentials."""
    if isinstance(value, dict):
        return {
            k: mask_value(v, secret=secret or _holds_secret(str(k), v)) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [mask_value(item, secret=secret) for item in value]
    if isinstance(value, str):
        if secret and not is_reference(value):
            return mask_secret(value)
        return _mask_json_secrets(hide_url_credentials(value))
    if secret and value is not None:
        return mask_secret(json.dumps(value))
    return value


def _holds_secret(name: str, value: Any) -> bool:
    """The model's secret keys are masked whatever their type (`api_key: 1234...` is read as
    a number); a name that only sounds secret (`max_tokens`) is masked when it holds text."""
    return name in SECRET_KEYS or (isinstance(value, str) and is_secret_name(name))


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Free text (an error body, a message) with every known secret masked and URL
    credentials hidden. Mask before truncating: a cut secret no longer matches."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, mask_secret(secret))
    return _mask_json_secrets(hide_url_credentials(text))


def _mask_json_secrets(text: str) -> str:
    if '"' not in text:
        return text
    return _JSON_SECRET.sub(
        lambda m: m.group(1) + json.dumps(m.group(2) if is_reference(m.group(2))
                                          else mask_secret(m.group(2)), ensure_ascii=False),
        text,
    )


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
