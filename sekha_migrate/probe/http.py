"""One HTTP exchange with a provider, bounded in time and size, safe with credentials.

Redirects are followed here rather than by httpx so that credential headers are
dropped the moment a redirect leaves the origin they were meant for, whatever the
header is called (httpx strips only `Authorization`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import ssl
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from sekha_migrate.model.masking import mask_text
from sekha_migrate.probe.results import ProbeStatus

MAX_BODY_BYTES = 4 * 1024 * 1024
# Encodings we decode ourselves, layer by layer, so each layer's output is bounded: httpx
# inflates a whole network chunk at once, and `gzip, gzip` turns 1 KB into gigabytes.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
ACCEPT_ENCODING = "gzip, deflate"
MAX_REDIRECTS = 5
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class CheckFailure(Exception):
    """A check that did not get a usable answer; `status` says how it failed."""

    def __init__(self, status: ProbeStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str]
    # Headers that carry a credential: never sent to another origin.
    secret_headers: Mapping[str, str]
    json_body: Any = None


@dataclass(frozen=True)
class Reply:
    status_code: int
    body: bytes
    url: str  # where the answer came from, as display_url shows it
    elapsed_ms: float
    # Set when a redirect left the original origin, so the credential was not sent on.
    credentials_withheld_from: str | None = None
    # The credentials sent, so an answer that echoes one is masked before it is cut short.
    secrets: tuple[str, ...] = ()

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise CheckFailure(
                ProbeStatus.ERROR,
                f"the answer from {self.url} is not JSON ({_preview(self.body, self.secrets)})",
            ) from None
        except RecursionError:  # the C decoder's own depth bound, reached by a hostile body
            raise CheckFailure(
                ProbeStatus.ERROR, f"the answer from {self.url} is JSON nested too deeply to read"
            ) from None


def display_url(url: str) -> str:
    """The URL without any password or query string (either may hold a credential)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return url
    netloc = f"{host}{port}" if host else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _preview(body: bytes, secrets: tuple[str, ...] = ()) -> str:
    text = mask_text(body[:4096].decode("utf-8", "replace"), secrets)  # mask, then cut
    text = text[:60].replace("\n", " ").strip()
    return f"starts with {text!r}" if text else "empty body"


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise CheckFailure(ProbeStatus.ERROR, _too_large(response.url, max_bytes))
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():  # still compressed: see _decoded
        size += len(chunk)
        if size > max_bytes:
            raise CheckFailure(ProbeStatus.ERROR, _too_large(response.url, max_bytes))
        chunks.append(chunk)
    return _decoded(b"".join(chunks), response, max_bytes)


def _decoded(body: bytes, response: httpx.Response, max_bytes: int) -> bytes:
    """The body with its Content-Encoding layers undone, each bounded to `max_bytes`."""
    header = response.headers.get("content-encoding", "")
    layers = [part.strip().lower() for part in header.split(",") if part.strip()]
    for layer in reversed(layers):  # the last encoding listed was applied last
        if layer == "identity":
            continue
        if layer not in _WBITS:
            shown = display_url(str(response.url))
            raise CheckFailure(
                ProbeStatus.ERROR, f"the answer from {shown} is encoded as {layer!r}, "
                "which probe cannot read",
            )
        body = _inflate(body, _WBITS[layer], response.url, max_bytes)
    return body


def _inflate(data: bytes, wbits: int, url: httpx.URL, max_bytes: int) -> bytes:
    decoder = zlib.decompressobj(wbits)
    try:
        out = decoder.decompress(data, max_bytes + 1)
    except zlib.error:
        if wbits != zlib.MAX_WBITS:
            raise CheckFailure(ProbeStatus.ERROR, f"the answer from {display_url(str(url))} "
                               "is not the compressed data its Content-Encoding says") from None
        return _inflate(data, -zlib.MAX_WBITS, url, max_bytes)  # raw deflate, as some send
    if len(out) > max_bytes:
        raise CheckFailure(ProbeStatus.ERROR, _too_large(url, max_bytes))
    return out


def _too_large(url: httpx.URL, max_bytes: int) -> str:
    size = f"{max_bytes / (1024 * 1024):g} MiB"
    return f"the answer from {display_url(str(url))} is larger than {size}; stopped reading"


async def _exchange(
    client: httpx.AsyncClient, request: Request, timeout: float, max_bytes: int
) -> Reply:
    started = time.perf_counter()
    url, secret_headers = _without_userinfo(httpx.URL(request.url), request.secret_headers)
    first_origin = _origin(url)
    method, body = request.method, request.json_body
    withheld_from: str | None = None
    for _hop in range(MAX_REDIRECTS + 1):
        headers = {"Accept-Encoding": ACCEPT_ENCODING, **request.headers}
        # Once a redirect has left the origin, the credential stays behind for good.
        if withheld_from is None and _origin(url) == first_origin:
            headers.update(secret_headers)
        elif withheld_from is None and request.secret_headers:
            withheld_from = display_url(str(url))
        async with client.stream(
            method, url, headers=headers, json=body, timeout=timeout
        ) as response:
            location = response.headers.get("location")
            if response.status_code in _REDIRECT_CODES and location:
                url = url.join(location)
                if response.status_code == 303 or (
                    response.status_code in (301, 302) and method == "POST"
                ):
                    method, body = "GET", None
                continue
            content = await _read_capped(response, max_bytes)
            elapsed = round((time.perf_counter() - started) * 1000, 1)
            shown = display_url(str(url))
            # `Bearer KEY`: the key is what an echo would hold, and what is masked in it
            secrets = tuple(v.split(" ", 1)[-1] for v in secret_headers.values())
            return Reply(response.status_code, content, shown, elapsed, withheld_from, secrets)
    shown = display_url(request.url)
    raise CheckFailure(ProbeStatus.ERROR, f"more than {MAX_REDIRECTS} redirects from {shown}")


async def send(
    client: httpx.AsyncClient,
    request: Request,
    *,
    timeout: float,
    max_bytes: int = MAX_BODY_BYTES,
    budget: float | None = None,
) -> Reply:
    """Make one request (following redirects) that finishes within `timeout` seconds in total.

    `budget` is the timeout as the user configured it, for messages, when `timeout` is
    what is left of it.

    Raises CheckFailure for anything that is not an HTTP answer: refused, DNS,
    timeout, broken connection, oversized body, redirect loop.
    """
    if timeout <= 0:
        raise CheckFailure(
            ProbeStatus.TIMEOUT, f"not tried: the {budget or 0:g} s timeout was used up"
        )
    shown = display_url(request.url)
    _refuse_unsendable(request, shown)
    try:
        # wait_for bounds the whole exchange; httpx's own timeout is per read.
        return await asyncio.wait_for(_exchange(client, request, timeout, max_bytes), timeout)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        raise CheckFailure(
            ProbeStatus.TIMEOUT, f"no answer from {shown} within {budget or timeout:.3g} s"
        ) from None
    except httpx.ConnectError as exc:
        raise CheckFailure(
            ProbeStatus.UNREACHABLE, f"cannot connect to {shown}: {_reason(exc)}"
        ) from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise CheckFailure(ProbeStatus.ERROR, f"cannot request {shown}: {exc}") from None
    except httpx.HTTPError as exc:
        raise CheckFailure(
            ProbeStatus.ERROR, f"the connection to {shown} failed: {_reason(exc)}"
        ) from None
    except (OSError, ValueError) as exc:
        # The network stack below httpx does not always wrap its errors (a port out of
        # range surfaces as an exception group from anyio); they are still a failed check.
        raise CheckFailure(
            ProbeStatus.ERROR, f"the request to {shown} failed: {_reason(exc)}"
        ) from None


def _without_userinfo(
    url: httpx.URL, secret_headers: Mapping[str, str]
) -> tuple[httpx.URL, dict[str, str]]:
    """`http://user:pass@host` as the URL without them, and Basic auth as a credential header
    (withheld on redirects like the key) unless the key already uses Authorization: httpx
    would otherwise replace the provider's `Bearer` key with the URL's Basic auth."""
    headers = dict(secret_headers)
    if not url.userinfo:
        return url, headers
    if not any(name.lower() == "authorization" for name in headers):
        pair = f"{url.username}:{url.password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return url.copy_with(userinfo=b""), headers


def _refuse_unsendable(request: Request, shown: str) -> None:
    """Catch what would only fail deep inside httpx, and say it without echoing a key."""
    try:
        port = urlsplit(request.url).port
    except ValueError:
        port = -1
    if port == -1:
        raise CheckFailure(ProbeStatus.ERROR, f"{shown} has a port outside 1-65535")
    for value in request.secret_headers.values():
        if not (value.isascii() and value.isprintable()):
            raise unsendable_key()


def unsendable_key() -> CheckFailure:
    return CheckFailure(
        ProbeStatus.ERROR,
        "the api_key holds characters an HTTP header cannot carry (spaces, line "
        "breaks or non-ASCII letters); check the value, or the .env line it comes from",
    )


def _reason(exc: BaseException) -> str:
    """The operating system's words (`Connection refused`) when the error carries them."""
    seen: BaseException | None = exc
    while seen is not None:
        group = getattr(seen, "exceptions", None)  # an exception group: its first member
        if isinstance(group, tuple) and group:
            seen = group[0]
            continue
        if isinstance(seen, ssl.SSLError):  # its errno is OpenSSL's, not the system's
            return _tls_reason(seen)
        if isinstance(seen, socket.gaierror) and seen.strerror:
            return f"cannot resolve the host name ({seen.strerror})"
        if isinstance(seen, OSError) and seen.errno and seen.errno > 0:
            return os.strerror(seen.errno)
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def _tls_reason(error: ssl.SSLError) -> str:
    reason = (error.reason or "").upper()
    if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST",
                  "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL"):
        return "the TLS handshake failed: the server does not speak TLS there (use http://?)"
    if isinstance(error, ssl.SSLEOFError) or reason == "UNEXPECTED_EOF_WHILE_READING":
        return ("the TLS handshake failed: the server closed the connection (does it speak "
                "plain HTTP there? use http://)")
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate is not trusted ({error.verify_message})"
    return f"the TLS handshake failed ({error.reason or 'unknown reason'})"


def raise_for_status(reply: Reply) -> None:
    """Turn an HTTP error answer into the CheckFailure that names it."""
    code = reply.status_code
    if 200 <= code < 300:
        return
    detail = _error_detail(reply.body, reply.secrets)
    suffix = f": {detail}" if detail else ""
    if code in (401, 403):
        raise CheckFailure(
            ProbeStatus.AUTH_FAILED, f"HTTP {code} from {reply.url}: not authorised{suffix}"
        )
    raise CheckFailure(ProbeStatus.ERROR, f"HTTP {code} from {reply.url}{suffix}")


def _error_detail(body: bytes, secrets: tuple[str, ...] = ()) -> str:
    """The provider's own error message, if it sent one in a form we know, kept short:
    masked first, since a key cut in half no longer matches what masking looks for."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    return mask_text(error, secrets)[:200] if isinstance(error, str) else ""
