"""Compose files read exactly as docker compose reads them (sekha_migrate.sources.compose_doc),
each promise pinned to the exact value it gives.

Written against the mutants a mutation run (bench/mutation.py compose_doc) found surviving.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import write

from sekha_migrate.findings import DataPath, Mark
from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.sources.compose_doc import (
    ComposeEntry,
    ComposeService,
    Healthcheck,
    InterpolationError,
    interpolate,
    is_compose,
    load_compose,
)


def mark_for(path: DataPath) -> Mark | None:
    """Like a YAML source's marks: None for a path the document does not hold; else the
    path's depth and its last list index, which tell the paths asked for apart."""
    node: Any = yaml.safe_load(DOCUMENT)
    for part in path:
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_mapping or in_list:
            node = node[part]
        else:
            return None
    last = path[-1]
    return Mark(len(path), last if isinstance(last, int) else 0)


# ---- interpolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("${KEY}", "KEY"),
        ("${KEY:-}", "KEY"),
        ("${KEY:-fallback}", "KEY"),
        ("${KEY-${OTHER}}", "KEY"),  # a nested default still makes one whole reference
        ("$KEY", "KEY"),
        ("${KEY}x", None),
        ("x${KEY}", None),
        ("${KEY}${OTHER}", None),
        ("${KEY:-a}${OTHER}", None),
        ("$KEY-x", None),
        ("$", None),
        ("${", None),
        ("plain", None),
    ],
)
def test_a_whole_value_reference_is_the_one_variable_the_text_is(
    text: str, reference: str | None
) -> None:
    try:
        found = interpolate(text, {"KEY": "k", "OTHER": "o"}).reference
    except InterpolationError:
        found = None
    assert found == reference


def test_every_name_and_every_unset_one_is_listed_once_in_order() -> None:
    done = interpolate("$A ${B} ${C:-x} ${D:-} $B ${E:+${F}} ${A-y}", {"A": "1", "E": "e"})
    assert done.value == "1  x    1"
    assert done.names == ("A", "B", "C", "D", "E", "F")
    assert done.unset == ("B", "D", "F")


def test_a_lone_dollar_at_the_end_and_before_a_digit_stays() -> None:
    assert interpolate("pa$$w0rd$", {}).value == "pa$w0rd$"
    assert interpolate("$1 and $", {}).value == "$1 and $"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # compose-go adds nothing for an empty message (its template vectors)
        ("${KEY:?}", "required variable KEY is missing a value"),
        ("${KEY:?$SECRET}", "required variable KEY is missing a value: required"),
        ("${KEY?tell me}", "required variable KEY is missing a value: tell me"),
        ("${EMPTY:?no empty}", "required variable EMPTY is missing a value: no empty"),
        ("x ${KEY", "invalid interpolation format: a ${ is never closed (the value is not "
         "shown; a literal $ is written $$)"),
        ("${-x}", "invalid interpolation format: what follows a ${ is not a variable name "
         "(the value is not shown; a literal $ is written $$)"),
        ("${KEY/x}", "invalid interpolation format after ${KEY: not an operator compose "
         "knows (the value is not shown; a literal $ is written $$)"),
    ],
)
def test_refusals_say_exactly_why(text: str, message: str) -> None:
    with pytest.raises(InterpolationError) as caught:
        interpolate(text, {"EMPTY": "", "SECRET": "s3cr3t"})
    assert str(caught.value) == message


@pytest.mark.parametrize("text", ["${}", "${A:-${}x}"])
def test_an_empty_name_is_not_a_variable_name(text: str) -> None:
    with pytest.raises(InterpolationError, match=r"what follows a \$\{ is not a variable name"):
        interpolate(text, {})


def test_a_text_ending_in_a_brace_is_no_whole_reference_without_its_opening() -> None:
    assert interpolate("abKEY}", {"KEY": "k"}).reference is None


def test_a_variable_unset_inside_a_default_is_named_before_the_outer_one() -> None:
    assert interpolate("${A:-${B}}", {}).unset == ("B", "A")


def test_a_required_variable_that_is_set_gives_its_value() -> None:
    assert interpolate("${KEY:?}|${KEY?}", {"KEY": "set"}).value == "set|set"


def test_an_alternative_is_interpolated_and_nested_braces_close_in_pairs() -> None:
    variables = {"SET": "s", "OTHER": "o"}
    assert interpolate("${SET:+<${OTHER}>}", variables).value == "<o>"
    assert interpolate("${UNSET:-${UNSET2:-${OTHER}}}!", variables).value == "o!"
    assert interpolate("${UNSET:-{x}}", variables).value == "{x}"


# ---- compose documents -----------------------------------------------------------------------

DOCUMENT = """\
services:
  core:
    image: ghcr.io/sekha-ai/sekha-controller:${TAG:-latest}
    container_name: sekha
    networks:
      front:
        aliases: [controller, 7, api]
      back: null
      other:
        aliases: not-a-list
    working_dir: /app
    env_file:
      - core.env
      - path: optional.env
        required: false
      - path: needed.env
      - 5
    environment:
      - SEKHA__SERVER_PORT=${PORT:-8181}
      - SEKHA__LOG_LEVEL
      - SEKHA__UNSET_BARE
      - " SPACED = x=y "
      - =nameless
      - BROKEN=${
      - SEKHA__MISSING=${NOPE}
    volumes:
      - ./config.toml:/app/config.toml:ro
      - ${DATA:-./data}:/data
      - named:/var/lib
      - "${"
      - type: bind
        source: ~/keys
        target: /keys
      - type: volume
        source: ./not-a-bind
        target: /v
      - {source: /etc/sekha, target: /etc/sekha}
      - justone
    healthcheck:
      test: [CMD, curl, -f, http://localhost:8080/health]
    extends:
      file: base.yml
      service: base
  bridge:
    build:
      context: ./bridge
    env_file: bridge.env
    environment:
      SEKHA__PORT: 5002
      FLAG: true
      DISABLED: false
      EMPTY:
    healthcheck:
      test: curl -f http://localhost:5001/health
    extends: core
    working_dir: 3
  skipped: just-a-string
  plain:
    build: ./plain
    healthcheck:
      test: 7
  contextless:
    build:
      dockerfile: Dockerfile.dev
"""


def test_a_compose_document_is_read_entry_by_entry() -> None:
    data = yaml.safe_load(DOCUMENT)
    shell = {"SEKHA__LOG_LEVEL": "debug", "TAG": "2.1"}
    core, bridge, plain, contextless = load_compose(data, mark_for, shell).services
    assert core == ComposeService(
        name="core",
        image="ghcr.io/sekha-ai/sekha-controller:2.1",
        build="",
        entries=(
            ComposeEntry("SEKHA__SERVER_PORT", "8181", Mark(4, 0), "PORT", names=("PORT",)),
            ComposeEntry("SEKHA__LOG_LEVEL", "debug", Mark(4, 1), "SEKHA__LOG_LEVEL",
                         names=("SEKHA__LOG_LEVEL",)),
            ComposeEntry("SEKHA__UNSET_BARE", None, Mark(4, 2), None,
                         names=("SEKHA__UNSET_BARE",)),
            ComposeEntry("SPACED", " x=y ", Mark(4, 3)),
            ComposeEntry("BROKEN", None, Mark(4, 5), error=(
                "invalid interpolation format: a ${ is never closed (the value is not shown; "
                "a literal $ is written $$)")),
            ComposeEntry("SEKHA__MISSING", "", Mark(4, 6), "NOPE", unset=("NOPE",),
                         names=("NOPE",)),
        ),
        env_files=(("core.env", True, Mark(4, 0)), ("optional.env", False, Mark(4, 1)),
                   ("needed.env", True, Mark(4, 2))),
        mark=Mark(2, 0),
        mounts=(("./config.toml", "/app/config.toml", Mark(4, 0)),
                ("./data", "/data", Mark(4, 1)),
                ("~/keys", "/keys", Mark(4, 4)),
                ("/etc/sekha", "/etc/sekha", Mark(4, 6))),
        working_dir="/app",
        aliases=("sekha", "controller", "api"),
        healthcheck=Healthcheck("CMD curl -f http://localhost:8080/health", Mark(4, 0)),
        extends=("base.yml", "base"),
        image_mark=Mark(3, 0),
    )
    assert bridge == ComposeService(
        name="bridge",
        image="",
        build="./bridge",
        entries=(
            ComposeEntry("SEKHA__PORT", "5002", Mark(4, 0)),
            ComposeEntry("FLAG", "true", Mark(4, 0)),
            ComposeEntry("DISABLED", "false", Mark(4, 0)),
            ComposeEntry("EMPTY", None, Mark(4, 0), None, names=("EMPTY",)),
        ),
        env_files=(("bridge.env", True, Mark(3, 0)),),
        mark=Mark(2, 0),
        healthcheck=Healthcheck("curl -f http://localhost:5001/health", Mark(4, 0)),
        extends=(None, "core"),
    )
    assert (plain.build, plain.healthcheck, plain.extends) == ("./plain", None, None)
    assert contextless.build == ""


def test_extends_without_a_service_name_extends_nothing() -> None:
    data = {"services": {"a": {"extends": {"file": 3, "service": "b"}},
                         "c": {"extends": {"file": "x.yml"}}}}
    a, c = load_compose(data, mark_for, {}).services
    assert a.extends == (None, "b")
    assert c.extends is None


def test_a_refused_image_reference_is_kept_as_written() -> None:
    data = {"services": {"a": {"image": "sekha:${TAG"}}}
    assert load_compose(data, mark_for, {}).services[0].image == "sekha:${TAG"


@pytest.mark.parametrize(
    ("data", "compose"),
    [({"services": {}}, True), ({"services": []}, False), ([], False), ({}, False)],
)
def test_a_compose_file_is_one_whose_services_are_a_mapping(data: object, compose: bool) -> None:
    assert is_compose(data) is compose


def test_a_bare_name_takes_the_shells_value_not_a_setting_of_the_environment(
    tmp_path: Path,
) -> None:
    # The shell reaches compose's interpolation only (environ is empty): log_level can come
    # from nowhere but the bare `- SEKHA__LOG_LEVEL` entry taking the shell's value.
    write(tmp_path / "docker-compose.yml", (
        "services:\n"
        "  sekha-core:\n"
        "    image: ghcr.io/sekha-ai/sekha-controller:latest\n"
        "    environment:\n"
        "      - SEKHA__LOG_LEVEL\n"
    ))
    request = MigrationRequest(directory=tmp_path, home=tmp_path / "home", environ={},
                               shell={"SEKHA__LOG_LEVEL": "debug"})
    plan = plan_migration(request)
    assert yaml.safe_load(plan.text)["log_level"] == "debug"
    [read] = [r for r in plan.reads if r.origin.key == "SEKHA__LOG_LEVEL"]
    assert (Path(read.origin.file or "").name, read.origin.line) == ("docker-compose.yml", 5)
    assert read.value == "debug"
