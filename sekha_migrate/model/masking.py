"""Secrets: the one way one is shown, and where one may travel in the clear.

Keys show their first and last few characters, URL credentials become `***@`. Every exit
(text, tables, diffs, reports, warnings, probe errors, validate messages) goes through
these functions, so no two exits can disagree about what is hidden.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from sekha_migrate.model.facts import SECRET_KEYS
from sekha_migrate.model.placeholders import PLACEHOLDER

# Userinfo after `scheme://`, up to the last `@` before the host: a password may hold
# spaces or `@`-free punctuation, and a password shown in part is still shown.
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/?#\n'\"<>()]*@|^[^/?#@\s]+@")
# `?password=...`, `&token=...` in a URL's query (and `;` as some drivers separate them).
_QUERY_PARAMETER = re.compile(r"([?&;])([A-Za-z0-9_.\-]+)=([^&#;\s'\"<>]*)")
# `"api_key": "sk-..."` inside text that is (or was meant to be) JSON.
_JSON_STRING_MEMBER = re.compile(r'("([A-Za-z0-9_.\-]*)"\s*:\s*)"((?:[^"\\]|\\.)*)"')
# A secret-looking name holds one of these anywhere ...
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL",
                 "AUTHORIZATION")
# ... or one of these as a whole part of it (`DB_PASS`, `REDIS_AUTH`, `GITHUB_PAT`; not
# PATH, AUTHOR or COMPASS).
_SECRET_PARTS = frozenset({"PASS", "PWD", "PW", "AUTH", "PAT", "CREDS", "APIKEY"})
_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_LOCAL_NAMES = frozenset({"localhost", "host.docker.internal"})
MIN_SHOWN_LENGTH = 12  # below this a key shows nothing but stars: 8 of 11 would be most of it
# Shorter encoded forms (base64 cores) would match ordinary text too often to be worth it.
_MIN_ENCODED_LENGTH = 8


def mask_secret(value: str) -> str:
    """`sk-proj-abcdef123456` -> `sk-p…3456`; short values show only stars."""
    if len(value) < MIN_SHOWN_LENGTH:
        return "*" * min(len(value), 8) if value else ""
    return f"{value[:4]}…{value[-4:]}"


def hide_url_credentials(text: str) -> str:
    """`postgres://sekha:hunter2@db/sekha` -> `postgres://***@db/sekha`, and a credential in a
    URL's query (`?password=...`, `&token=...`) -> `?password=***`: both are secrets."""
    text = _URL_CREDENTIALS.sub("***@", text)
    if "=" not in text:
        return text
    return _QUERY_PARAMETER.sub(_masked_parameter, text)


def _masked_parameter(match: re.Match[str]) -> str:
    separator, name, value = match.groups()
    if not value or not is_secret_name(name) or is_reference(value):
        return match.group(0)
    return f"{separator}{name}=***"


def is_secret_name(name: str) -> bool:
    """A key or variable that holds a secret: the model's secret keys, and names that say so
    (POSTGRES_PASSWORD, OPENAI_API_KEY, DB_PASS, REDIS_AUTH, SMTP_PWD, GITHUB_PAT)."""
    if name in SECRET_KEYS:
        return True
    upper = name.upper()
    if any(word in upper for word in _SECRET_WORDS):
        return True
    return any(part.upper() in _SECRET_PARTS for part in _NAME_PARTS.findall(name))


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
    """Free text (an error body, a message) with every known secret masked, in the forms a
    provider may echo it too, and URL credentials hidden. Mask before truncating: a cut
    secret no longer matches."""
    found = secrets if isinstance(secrets, frozenset) else frozenset(secrets)
    if found:
        text = secret_masker(found).mask(text)
    return _mask_json_secrets(hide_url_credentials(text))


def secret_masker(secrets: frozenset[str]) -> SecretMasker:
    """The masker for `secrets`, built once: a caller masks many texts with one set, so the
    set is found by identity first (an equality test would cost a pass over every secret
    per text, the quadratic time this replaces), then by equality once per new object."""
    for known, masker in _MASKERS:
        if known is secrets:
            return masker
    found = next((masker for known, masker in _MASKERS if known == secrets), None)
    masker = found if found is not None else SecretMasker(secrets)
    _MASKERS.insert(0, (secrets, masker))
    del _MASKERS[_KEPT_MASKERS:]
    return masker


_MASKERS: list[tuple[frozenset[str], SecretMasker]] = []  # most recently used first
_KEPT_MASKERS = 8


# A node of the index: the forms that end before the next chunk (longest first), and the
# nodes below it by their next chunk of CHUNK characters.
_Node = tuple[tuple[str, ...], dict[str, "_Node"]]
_CHUNK = 4
_LEAF = 8  # a node with this few forms is searched directly, not split further


class SecretMasker:
    """Every known secret and the forms it may be echoed in (URL-encoded, JSON-escaped,
    base64 at any alignment, so also inside a Basic `user:password` pair; any case), found in
    one left-to-right pass, longest first. The forms are indexed in a trie of 4-character
    chunks (split only where many share a prefix, as `sk-ant-api03-` keys do), so each
    position of the text costs a few lookups whatever the number of secrets."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {_fold(form) for secret in secrets for form in _echo_forms(secret)}
        self._root = _index(list(forms), 0)

    def mask(self, text: str) -> str:
        folded = _fold(text)
        pieces: list[str] = []
        done = index = 0
        while index < len(text):
            length = _longest_at(self._root, folded, index)
            if length:
                pieces += [text[done:index], mask_secret(text[index : index + length])]
                index += length
                done = index
            else:
                index += 1
        pieces.append(text[done:])
        return "".join(pieces)


def _index(forms: list[str], depth: int) -> _Node:
    """The node for `forms`, which share their first `depth` characters."""
    if len(forms) <= _LEAF:
        return tuple(sorted(forms, key=len, reverse=True)), {}
    ending = [form for form in forms if len(form) < depth + _CHUNK]
    below: dict[str, list[str]] = {}
    for form in forms:
        if len(form) >= depth + _CHUNK:
            below.setdefault(form[depth : depth + _CHUNK], []).append(form)
    children = {chunk: _index(group, depth + _CHUNK) for chunk, group in below.items()}
    return tuple(sorted(ending, key=len, reverse=True)), children


def _longest_at(root: _Node, folded: str, index: int) -> int:
    """The length of the longest form at `index` of `folded`; 0 for none."""
    node: _Node | None = root
    best = 0
    depth = index
    while node is not None:
        ending, children = node
        for form in ending:  # longest first; a deeper node only holds longer forms
            if folded.startswith(form, index):
                best = max(best, len(form))
                break
        if not children:
            break
        node = children.get(folded[depth : depth + _CHUNK])
        depth += _CHUNK
    return best


def _fold(text: str) -> str:
    """Lower case, one character for one (so positions in the folded text are positions in
    the text): a provider may echo a key upper-cased."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _echo_forms(secret: str) -> set[str]:
    if not secret:
        return set()
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    data = secret.encode("utf-8")
    for offset in range(3):
        # The part of the base64 text that depends on the secret's bytes alone: it appears
        # in any base64 of a text holding the secret at this alignment (`user:password`).
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii").rstrip("=")
        cut = encoded[(4 if offset else 0):]
        if (offset + len(data)) % 3:
            cut = cut[: len(cut) - (len(cut) % 4 or 4)]
        for core in (cut, cut.replace("+", "-").replace("/", "_")):
            if len(core) >= _MIN_ENCODED_LENGTH:
                forms.add(core)
    return forms


def _mask_json_secrets(text: str) -> str:
    if '"' not in text:
        return text
    return _JSON_STRING_MEMBER.sub(_masked_member, text)


def _masked_member(match: re.Match[str]) -> str:
    name, value = match.group(2), match.group(3)
    if not is_secret_name(name):
        return match.group(0)
    shown = value if is_reference(value) else mask_secret(value)
    return match.group(1) + json.dumps(shown, ensure_ascii=False)


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
