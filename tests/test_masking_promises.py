"""Each masking promise pinned to the exact text it gives (sekha_migrate.model.masking).

Written against the mutants a mutation run (bench/mutation.py masking) found surviving: every
test here fails when one of them is applied. The expected values are worked out here from
what the promise says (which characters of an echo hold the secret, which hosts are local),
not copied from the code's output.

The masker of a set of secrets is cached (secret_masker), and a mutation run forks its
workers from a process that already ran these tests with the original code: tests of how
the forms are built use SecretMasker directly, so each builds its own.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import CliResult, write

from sekha_migrate.model.masking import (
    SecretMasker,
    hide_url_credentials,
    is_local_host,
    is_local_url,
    mask_secret,
    mask_text,
    mask_value,
    secret_masker,
)

KEY = "sk-test-0123456789abcdefghijklmnop"  # 32 characters or more: the schema's minimum
OTHER_KEY = "sk-other-9876543210zyxwvutsrqponml"


def test_twelve_characters_are_long_enough_to_show_their_ends() -> None:
    assert mask_secret("123456789012") == "1234…9012"
    assert mask_secret("12345678901") == "********"


def test_items_of_a_list_under_a_secret_key_are_each_masked() -> None:
    shown = mask_value({"additional_api_keys": [KEY, OTHER_KEY]})
    assert shown == {"additional_api_keys": ["sk-t…mnop", "sk-o…onml"]}


def test_a_name_that_only_sounds_secret_is_masked_inside_a_mapping() -> None:
    shown = mask_value({"environment": {"POSTGRES_PASSWORD": "Hunter2Sup3rSecret",
                                        "POSTGRES_USER": "sekha"}})
    assert shown == {"environment": {"POSTGRES_PASSWORD": "Hunt…cret",
                                     "POSTGRES_USER": "sekha"}}


def test_additional_api_keys_are_masked_in_the_migration_report(
    sekha_inprocess: Callable[..., CliResult], tmp_path: Path
) -> None:
    write(tmp_path / "config.toml", f'additional_api_keys = ["{KEY}", "{OTHER_KEY}"]\n')
    report = tmp_path / "report.json"
    result = sekha_inprocess("migrate", "--dry-run", "--no-env", "--verbose",
                             "--report", str(report), cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    document = json.loads(report.read_text(encoding="utf-8"))
    [value] = [v for v in document["values"] if v["path"] == "$.additional_api_keys"]
    assert value["value"] == ["sk-t…mnop", "sk-o…onml"]
    [read] = [r for r in document["keys"] if r["key"] == "additional_api_keys"]
    assert read["value"] == ["sk-t…mnop", "sk-o…onml"]
    # stdout is the file --dry-run would write, keys included: the table goes to stderr.
    assert KEY not in result.stderr
    assert OTHER_KEY not in result.stderr


def test_a_reference_in_a_url_query_is_not_masked() -> None:
    url = "postgres://db/sekha?password=${PGPASSWORD}"
    assert hide_url_credentials(url) == url


def test_equal_sets_of_secrets_share_one_masker() -> None:
    first = secret_masker(frozenset({KEY, "another-secret-value-0123"}))
    assert secret_masker(frozenset({"another-secret-value-0123", KEY})) is first


def test_a_set_of_secrets_changed_between_calls_masks_what_it_holds_now() -> None:
    secrets = {KEY}
    assert mask_text(f"a {KEY}", secrets) == f"a {mask_secret(KEY)}"
    secrets.add(OTHER_KEY)
    assert mask_text(f"b {OTHER_KEY}", secrets) == f"b {mask_secret(OTHER_KEY)}"


def _longest_first(text: str, secrets: list[str]) -> str:
    """What masking every secret longest first gives, by a regular expression."""
    pattern = "|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))
    return re.sub(pattern, lambda m: mask_secret(m.group()), text, flags=re.IGNORECASE)


def test_known_secrets_are_replaced_longest_first_when_many_share_a_prefix() -> None:
    # Many keys of one provider share `sk-ant-api03-`: the index of forms splits there, and
    # a key that is the start of another must never leave the other's tail in the clear.
    secrets = [f"sk-ant-api03-{n:02d}" + "x" * n for n in range(12)]
    secrets += ["sk-ant-api", "sk-ant-api03", "sk-ant-api03-0", "sk-ant-api03-05xxxxx-tail"]
    text = " / ".join(f"[{s}]" for s in secrets) + " SK-ANT-API03-11XXXXXXXXXXX."
    assert SecretMasker(secrets).mask(text) == _longest_first(text, secrets)


def test_a_short_secret_inside_a_longer_one_leaves_no_tail() -> None:
    short, long = "abcdefghijklmnop", "abcdefghijklmnopq"
    assert SecretMasker({short, long}).mask(f"x {long} y") == f"x {mask_secret(long)} y"


@pytest.mark.parametrize(
    "secret", ["pass/word+0123456789", "pass word/0123456789", 'pa"ss\\word-0123456789']
)
def test_url_and_json_escaped_echoes_are_masked_whole(secret: str) -> None:
    for echo in (quote(secret, safe=""), json.dumps(secret)[1:-1]):
        assert SecretMasker({secret}).mask(f"<{echo}>") == f"<{mask_secret(echo)}>"


def _secret_part(prefix: bytes, secret: bytes, suffix: bytes, *, url_safe: bool
                 ) -> tuple[str, int, int]:
    """base64 of prefix + secret + suffix and the span of its 4-character groups whose three bytes
    all belong to the secret: the part that gives it away whatever surrounds it."""
    encode = base64.urlsafe_b64encode if url_safe else base64.b64encode
    encoded = encode(prefix + secret + suffix).decode("ascii")
    first_group = -(-len(prefix) // 3)
    last_group = (len(prefix) + len(secret)) // 3
    return encoded, 4 * first_group, 4 * last_group


@pytest.mark.parametrize("prefix", [b"", b"u:", b"usr:", b"user:", b"sekha:"])
@pytest.mark.parametrize("suffix", [b"", b"@db"])
@pytest.mark.parametrize("url_safe", [False, True])
# '>' and '?' encode to '+' and '/': both alphabets are used; the lengths cover each
# remainder of 3, so each alignment's partial group at the end is cut.
@pytest.mark.parametrize("secret", ["pw>>>?>???x>>?0123", "pw>>>?>???x>>?01234",
                                    "pw>>>?>???x>>?012345"])
def test_base64_echoes_are_masked_exactly_where_the_secret_lies(
    prefix: bytes, suffix: bytes, url_safe: bool, secret: str
) -> None:
    encoded, start, end = _secret_part(prefix, secret.encode(), suffix, url_safe=url_safe)
    expected = encoded[:start] + mask_secret(encoded[start:end]) + encoded[end:]
    assert SecretMasker({secret}).mask(encoded) == expected


def test_a_base64_echo_ending_in_x_is_masked_to_its_end() -> None:
    secret = "abc01234567W"  # 12 bytes: base64 ends in whole groups, the last char an X
    encoded = base64.b64encode(secret.encode()).decode()
    assert encoded == "YWJjMDEyMzQ1NjdX"
    assert SecretMasker({secret}).mask(encoded) == mask_secret(encoded)


def test_an_eight_character_base64_echo_is_masked() -> None:
    encoded = base64.b64encode(b"s3cr3t").decode()
    assert SecretMasker({"s3cr3t"}).mask(f"[{encoded}]") == "[********]"


def test_a_secret_echoed_upper_case_after_a_letter_that_lower_cases_to_two_is_masked() -> None:
    # "İ".lower() is two characters: folding must keep positions, or the mask lands askew.
    secret = "sk-abcdefghijklmnop"
    text = "İ said SK-ABCDEFGHIJKLMNOP."
    assert SecretMasker({secret}).mask(text) == f"İ said {mask_secret(secret.upper())}."


def test_json_members_are_masked_by_name_and_the_rest_kept_as_written() -> None:
    text = '{"model": "gpt-4o", "api_key": "sk-0123456789abcdef", "token": "${TOKEN}"}'
    assert mask_text(text) == '{"model": "gpt-4o", "api_key": "sk-0…cdef", "token": "${TOKEN}"}'


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("[2606:4700:4700::1111]", False),  # bracketed public IPv6: no dot, still remote
        ("[::1]", True),
        ("[fe80::1]", True),
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("169.254.1.1", True),
        ("8.8.8.8", False),
        ("ollama", True),
        ("LOCALHOST", True),
        ("Host.Docker.Internal", True),
        ("sekha.Localhost", True),
        ("sekha.localhostX", False),
        ("api.example.com", False),
    ],
)
def test_which_hosts_are_local(host: str, local: bool) -> None:
    assert is_local_host(host) is local


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://ollama:11434", True),
        ("http://[::1]:8080/v1", True),
        ("http://api.example.com/v1", False),
        ("http://[2606:4700:4700::1111]:4000", False),
        ("http://[::1", False),  # cannot be split: not trusted
        ("http:///v1", False),  # no host at all
    ],
)
def test_which_urls_are_local(url: str, local: bool) -> None:
    assert is_local_url(url) is local


def test_a_key_sent_over_http_to_a_bracketed_public_ipv6_host_is_insecure(
    sekha: Callable[..., CliResult], tmp_path: Path
) -> None:
    config = write(tmp_path / "config.yaml", (
        'version: "2.0"\n'
        "llm_providers:\n"
        "  - id: remote\n"
        "    type: openai\n"
        "    base_url: http://[2606:4700:4700::1111]:4000/v1\n"
        "    api_key: ${REMOTE_API_KEY}\n"
        "    priority: 1\n"
        "    models:\n"
        "      - model_id: gpt-4o\n"
        "        task: chat_smart\n"
        "        context_window: 128000\n"
    ))
    result = sekha("validate", "--format", "json", str(config))
    findings = json.loads(result.stdout)["files"][0]["findings"]
    [insecure] = [f for f in findings if f["code"] == "insecure-transport"]
    assert insecure["path"] == "$.llm_providers[0].base_url"
