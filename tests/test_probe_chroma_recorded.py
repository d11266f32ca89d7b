"""probe against the recorded answers of Chroma releases older than the one the tests start
(fixtures/chroma/PROVENANCE.md): 0.5.x/0.6.x's v2 API with its `dimension` field, null
until the first vector; and token auth, where the server reads the token from either
Authorization: Bearer or X-Chroma-Token and probe sends both."""

from __future__ import annotations

import json

import pytest
from chroma_replay import RECORDED, replayed

from sekha_migrate.probe.chroma import read_stored_vectors, stored_findings

TOKEN = "recorded-test-token-0123456789"
RELEASES = sorted(p.name for p in RECORDED.iterdir()
                  if (p / "answers.json").is_file())


def test_releases_are_recorded() -> None:
    assert RELEASES == ["0.5.23", "0.6.3"]


@pytest.mark.parametrize("release", RELEASES)
def test_the_v2_apis_dimension_field_is_read(release: str) -> None:
    with replayed(release, ["open"]) as url:
        stored = read_stored_vectors(url)
    assert (stored.state, stored.api, stored.version, stored.dimension) == (
        "ok", "v2", release, 768)
    assert stored_findings(stored, "nomic-embed-text", 768) == []
    [mismatch] = stored_findings(stored, "text-embedding-3-small", 1536)
    assert mismatch.code == "chroma-dimension-mismatch"


@pytest.mark.parametrize("release", RELEASES)
def test_a_collection_without_a_vector_has_a_null_dimension_and_is_empty(release: str) -> None:
    collections = next(a for a in json.loads((RECORDED / release / "answers.json").read_text())
                       if a["scenario"] == "open-empty" and a["method"] == "GET")
    assert json.loads(collections["body"])[0]["dimension"] is None
    with replayed(release, ["open-empty", "open"]) as url:
        stored = read_stored_vectors(url)
    assert (stored.state, stored.dimension) == ("empty", None)
    assert [f.code for f in stored_findings(stored, "nomic-embed-text", 768)] == [
        "chroma-empty"]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("scenario", ["token", "token-x-chroma-token"])
def test_without_a_token_the_server_refuses_and_probe_says_so(release: str,
                                                              scenario: str) -> None:
    with replayed(release, [scenario]) as url:
        stored = read_stored_vectors(url)
    assert (stored.state, stored.detail) == ("auth", "HTTP 403")
    assert [f.code for f in stored_findings(stored, None, None)] == ["chroma-auth-required"]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("scenario", ["token", "token-x-chroma-token"])
def test_a_token_is_accepted_whichever_header_the_server_reads(release: str,
                                                               scenario: str) -> None:
    answers = json.loads((RECORDED / release / "answers.json").read_text())
    alone = {a["auth"]: a["status"] for a in answers if a["scenario"] == scenario
             and a["auth"] in ("bearer", "x-chroma-token")}
    # one header alone is refused by one of the two server settings: hence both
    assert alone == ({"bearer": 200, "x-chroma-token": 403} if scenario == "token"
                     else {"bearer": 403, "x-chroma-token": 200})
    with replayed(release, [scenario]) as url:
        stored = read_stored_vectors(url, token=TOKEN)
    assert (stored.state, stored.dimension) == ("ok", 768)
