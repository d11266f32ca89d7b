"""The vectors Chroma already holds: the dimension of the controller's collection, read the
way consumers.md section 9 describes (verified there on chromadb 0.4.24 to 1.5.9).

The controller keeps every memory in one collection, `conversations`, in the default tenant
and database; its dimension is fixed by the first vector written. An embedding model of
another dimension makes Chroma reject every upsert and query, and the controller hides it:
memory stops recalling anything. So a probe compares the stored dimension with the one the
configuration's embedding model makes.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sekha_migrate.findings import Finding, Severity

COLLECTION = "conversations"  # the controller's only collection (9e9dca0)
_V2 = "/api/v2/tenants/default_tenant/databases/default_database/collections"
_V1 = "/api/v1/collections"
_PAGE = 100


class StoredVectors(NamedTuple):
    """What Chroma said. `state`: ok, empty (a collection without vectors), missing (no
    `conversations` collection), unreachable, auth, not-chroma, too-old (v1 API only)."""

    url: str
    state: str
    api: str | None = None  # "v2" or "v1"
    version: str | None = None
    dimension: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "state": self.state, "api": self.api,
                "version": self.version, "collection": COLLECTION,
                "dimension": self.dimension, "detail": self.detail}


class _NotChroma(Exception):
    """What answered is not a Chroma server (the message says what it answered)."""


def read_stored_vectors(url: str, *, token: str | None = None, timeout: float = 5.0
                        ) -> StoredVectors:
    """Ask the Chroma at `url` for the dimension of the controller's collection. Never
    raises for anything the server does. With a token, both auth headers are sent (either
    server setting accepts one of them)."""
    import httpx

    base = url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}", "X-Chroma-Token": token} if token else {}
    # Loading the CA bundle costs ~90 ms here; a plain http:// Chroma (the usual, beside the
    # controller) has no certificate to verify, so it is loaded for https only.
    verify = not base.lower().startswith("http://")
    try:
        with httpx.Client(timeout=timeout, headers=headers, follow_redirects=False,
                          verify=verify) as client:
            return _read(client, base)
    except httpx.TimeoutException:
        return StoredVectors(base, "unreachable", detail=f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return StoredVectors(base, "unreachable", detail=type(exc).__name__)
    except _NotChroma as exc:
        return StoredVectors(base, "not-chroma", detail=str(exc))


def _read(client: Any, base: str) -> StoredVectors:
    """The v2 API first (0.5.16 and later); the v1 API of 0.4.x only says what is stored,
    since the controller no longer speaks it."""
    status = None
    for api, collections in (("v2", _V2), ("v1", _V1)):
        beat = client.get(f"{base}/api/{api}/heartbeat")
        status = status or beat.status_code
        if beat.status_code in (401, 403):
            return StoredVectors(base, "auth", api, detail=f"HTTP {beat.status_code}")
        if beat.status_code == 200:
            _json(beat, "heartbeat")
            version = _version(client, f"{base}/api/{api}/version")
            found = _collection(client, f"{base}{collections}", api, version, base)
            too_old = api == "v1" and found.state == "ok"
            return found._replace(state="too-old") if too_old else found
    raise _NotChroma(f"no Chroma heartbeat at /api/v2 or /api/v1 (HTTP {status})")


def _collection(client: Any, collections: str, api: str, version: str | None,
                base: str) -> StoredVectors:
    offset = 0
    while True:
        listed = client.get(collections, params={"limit": _PAGE, "offset": offset})
        if listed.status_code in (401, 403):
            return StoredVectors(base, "auth", api, version, detail=f"HTTP {listed.status_code}")
        page = _json(listed, "collection list")
        if not isinstance(page, list):
            raise _NotChroma("the collection list is not a list")
        entry = next((c for c in page if isinstance(c, dict) and c.get("name") == COLLECTION),
                     None)
        if entry is not None:
            break
        if len(page) < _PAGE:
            return StoredVectors(base, "missing", api, version)
        offset += _PAGE
    dimension = entry.get("dimension")
    if not isinstance(dimension, int) or isinstance(dimension, bool):
        # 0.4.x has no such field, and a new collection has null: look at one vector.
        dimension = _one_vector(client, f"{collections}/{entry.get('id')}/get")
    if dimension is None:
        return StoredVectors(base, "empty", api, version)
    return StoredVectors(base, "ok", api, version, dimension)


def _one_vector(client: Any, url: str) -> int | None:
    got = client.post(url, json={"limit": 1, "include": ["embeddings"]})
    body = _json(got, "stored records")
    vectors = body.get("embeddings") if isinstance(body, dict) else None
    if isinstance(vectors, list) and vectors and isinstance(vectors[0], list):
        return len(vectors[0])
    return None


def _version(client: Any, url: str) -> str | None:
    answer = client.get(url)
    text = answer.text.strip().strip('"') if answer.status_code == 200 else ""
    return text[:40] or None


def _json(response: Any, what: str) -> Any:
    if response.status_code != 200:
        raise _NotChroma(f"the {what} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise _NotChroma(f"the {what} is not JSON") from None


def stored_findings(stored: StoredVectors, model: str | None, dimension: int | None,
                    ) -> list[Finding]:
    """What the stored vectors mean for the configured embedding model."""
    where = f"Chroma at {stored.url}"
    if stored.state == "unreachable":
        return [Finding(Severity.ERROR, "chroma-unreachable",
                        f"{where} did not answer ({stored.detail})",
                        hint="start Chroma, or give its address with --chroma-url")]
    if stored.state == "auth":
        return [Finding(Severity.ERROR, "chroma-auth-required",
                        f"{where} refused the request ({stored.detail}): it needs a token",
                        hint="pass --chroma-token (or set CHROMA_TOKEN)")]
    if stored.state == "not-chroma":
        return [Finding(Severity.ERROR, "chroma-not-chroma",
                        f"{where} is not a Chroma server: {stored.detail}",
                        hint="check chroma_url: it names Chroma's HTTP port (8000)")]
    if stored.state == "too-old":
        return [Finding(Severity.ERROR, "chroma-api-too-old",
                        f"{where} speaks only the v1 API (version {stored.version}); the "
                        "controller speaks the v2 API, which Chroma has from 0.5.16",
                        hint="upgrade Chroma (sekha ships chromadb/chroma:1.5.0)")]
    if stored.state == "missing":
        return [Finding(Severity.INFO, "chroma-no-collection",
                        f"{where} has no '{COLLECTION}' collection yet: the first memory "
                        "stored fixes its dimension")]
    if stored.state == "empty":
        return [Finding(Severity.INFO, "chroma-empty",
                        f"{where}: the '{COLLECTION}' collection holds no vector yet")]
    if dimension is not None and stored.dimension != dimension:
        return [Finding(
            Severity.ERROR, "chroma-dimension-mismatch",
            f"{where} holds {stored.dimension}-dimension vectors in '{COLLECTION}', but the "
            f"embedding model {model!r} makes {dimension}: Chroma would reject every memory "
            "stored and every search, and the controller would store messages without "
            "their embedding and recall nothing",
            hint=f"keep an embedding model of dimension {stored.dimension}, or re-embed the "
            "stored memories into a new collection before switching")]
    return []
