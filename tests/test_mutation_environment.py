"""Environments with origins (sekha_migrate/effective/environment.py), pinned where a mutation
run found no test holding it: an env file's interpolation failures (each line on its own), a
compose service's env_file list (a missing required one, an optional one, their order), its
`environment:` entries that compose refuses, its mounts (relative to the compose file, `~`,
absolute) and a file that is no compose file. Compose facts: consumers.md section 5."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from sekha_migrate.effective.environment import read_compose_project, read_env_file
from sekha_migrate.effective.values import Variable
from sekha_migrate.findings import Finding, Severity
from sekha_migrate.origin import Origin

MOUNT_HINT = "create the file, or fix the path (it is relative to the compose file)"


def test_a_failed_line_of_an_env_file_sets_nothing_and_the_lines_after_it_still_do(
        tmp_path: Path) -> None:
    env = write(tmp_path / "app.env", "A=${MISSING:?needed}\nB=2\nBARE\n  C=${B}3\n")
    variables, problems = read_env_file(env, {}, via="env file")
    assert problems == [Finding(Severity.ERROR, "interpolation",
                                "A: required variable MISSING is missing a value: needed",
                                file=str(env), line=1, column=1)]
    assert variables == {
        "B": Variable("B", "2", Origin(str(env), 2, 1, "B", "env file")),
        "C": Variable("C", "23", Origin(str(env), 4, 3, "C", "env file")),
    }


def test_an_env_file_that_cannot_be_read_is_one_problem(tmp_path: Path) -> None:
    env = write(tmp_path / ".env", b"A=\xff\n")
    variables, problems = read_env_file(env, {}, via="env file")
    assert variables == {}
    assert [(p.code, p.file, p.line) for p in problems] == [("encoding", str(env), 1)]


def test_a_file_without_services_is_no_compose_file(tmp_path: Path) -> None:
    path = write(tmp_path / "docker-compose.yml", "version: '3'\n")
    project = read_compose_project(path, {})
    assert (project.services, project.sekha) == ((), ())
    assert project.findings == (Finding(Severity.ERROR, "not-a-mapping",
                                        "not a compose file (no services)", file=str(path),
                                        line=1, column=1),)


def test_a_compose_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    project = read_compose_project(path, {})
    assert project.findings == (Finding(Severity.ERROR, "unreadable",
                                        f"{path} does not exist", file=str(path)),)


def test_a_services_env_files_and_entries_as_compose_hands_them_over(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    app = write(tmp_path / "app.env", "A=${MISSING:?needed}\nB=2\n")
    absolute = write(tmp_path / "elsewhere" / "config.toml", "")
    compose = write(tmp_path / "docker-compose.yml", f"""\
services:
  controller:
    env_file:
      - path: optional.env
        required: false
      - missing.env
      - app.env
    environment:
      SEKHA__LOG_LEVEL: ${{NOPE:?set it}}
      SEKHA__CHROMA_URL: http://x
    volumes:
      - ./absent.toml:/app/config.toml
      - ~/h.toml:/app/h.toml
      - {absolute}:/app/abs.toml
""")
    [service] = read_compose_project(compose, {}).sekha
    shown = str(compose)
    assert service.findings == (
        Finding(Severity.ERROR, "env-file", "services.controller.env_file: "
                f"{tmp_path / 'missing.env'} does not exist", file=shown),
        Finding(Severity.ERROR, "interpolation",
                "A: required variable MISSING is missing a value: needed", file=str(app),
                line=1, column=1),
        Finding(Severity.ERROR, "interpolation",
                "SEKHA__LOG_LEVEL: required variable NOPE is missing a value: set it",
                file=shown, line=9, column=7),
        Finding(Severity.WARNING, "mount-missing", "services.controller.volumes: "
                "./absent.toml does not exist beside the compose file; docker would mount an "
                "empty directory at /app/config.toml", file=shown, line=12, column=9,
                hint=MOUNT_HINT),
        Finding(Severity.WARNING, "mount-missing", "services.controller.volumes: "
                "~/h.toml does not exist beside the compose file; docker would mount an "
                "empty directory at /app/h.toml", file=shown, line=13, column=9,
                hint=MOUNT_HINT),
    )
    assert service.environment == {
        "B": Variable("B", "2", Origin(str(app), 2, 1, "B",
                                       "env_file of compose service controller")),
        "SEKHA__CHROMA_URL": Variable("SEKHA__CHROMA_URL", "http://x", Origin(
            shown, 10, 7, "SEKHA__CHROMA_URL", "compose service controller")),
    }
    assert service.mounts == {"/app/config.toml": tmp_path / "absent.toml",
                              "/app/h.toml": tmp_path / "home" / "h.toml",
                              "/app/abs.toml": absolute}
    assert service.failed == frozenset({"SEKHA__LOG_LEVEL"})


Seen = tuple[str, tuple[str, str | None] | None]


def services_of(path: Path, shell: dict[str, str] | None = None) -> dict[str, Seen]:
    """Each service's image and (healthcheck test, file holding it)."""
    project = read_compose_project(path, shell or {})
    return {s.name: (s.image, (s.healthcheck.test, s.healthcheck.file) if s.healthcheck
                     else None) for s in project.services}


def test_extends_takes_the_image_and_healthcheck_a_service_does_not_set(tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", """\
services:
  base:
    image: chroma:1
    healthcheck:
      test: curl base
  plain:
    image: chroma:0
  middle:
    extends: base
  controller:
    extends: middle
  own-image:
    image: mine
    extends: base
  own-both:
    image: mine
    healthcheck:
      test: curl mine
    extends: base
  no-healthcheck:
    extends: plain
""")
    assert services_of(compose) == {
        "base": ("chroma:1", ("curl base", None)),
        "plain": ("chroma:0", None),
        "middle": ("chroma:1", ("curl base", None)),
        "controller": ("chroma:1", ("curl base", None)),
        "own-image": ("mine", ("curl base", None)),
        "own-both": ("mine", ("curl mine", None)),
        "no-healthcheck": ("chroma:0", None),
    }


def test_a_healthcheck_from_another_file_is_said_to_be_there(tmp_path: Path) -> None:
    common = write(tmp_path / "common.yml", """\
services:
  base:
    image: ${IMAGE}
    healthcheck:
      test: curl base
  derived:
    extends: base
""")
    compose = write(tmp_path / "docker-compose.yml", """\
services:
  chroma:
    extends:
      file: common.yml
      service: derived
""")
    assert services_of(compose, {"IMAGE": "chroma:1"})["chroma"] == (
        "chroma:1", ("curl base", str(common)))


def test_extends_in_another_file_is_found_from_that_file(tmp_path: Path) -> None:
    third = write(tmp_path / "common" / "third.yml", """\
services:
  base:
    image: ${IMAGE}
    healthcheck:
      test: curl third
""")
    write(tmp_path / "common" / "second.yml", """\
services:
  derived:
    extends:
      file: third.yml
      service: base
""")
    compose = write(tmp_path / "docker-compose.yml", """\
services:
  chroma:
    extends:
      file: common/second.yml
      service: derived
""")
    assert services_of(compose, {"IMAGE": "chroma:1"})["chroma"] == (
        "chroma:1", ("curl third", str(third)))


def test_extends_follows_eight_levels_and_stops_a_cycle(tmp_path: Path) -> None:
    chain = "".join(f"  s{n}:\n    extends: s{n + 1}\n" for n in range(8))
    compose = write(tmp_path / "docker-compose.yml", f"""\
services:
{chain}  s8:
    image: deep
  s9:
    extends: s0
  a:
    extends: b
  b:
    extends: a
""")
    images = {name: value[0] for name, value in services_of(compose).items()}
    assert images == {**{f"s{n}": "deep" for n in range(9)}, "s9": "", "a": "", "b": ""}
