"""Random TOML, .env and compose documents: migrate plans each without a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekha_migrate.migrate.discover import MigrateUsageError
from sekha_migrate.migrate.plan import MigrationRequest, plan_migration
from sekha_migrate.model import v1, v1_components

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KNOWN_NAMES = sorted({*v1.BARE_ENV_NAMES, *v1_components.BRIDGE_ENV_NAMES,
                      *v1_components.PROXY_ENV_NAMES,
                      "SEKHA__SERVER_PORT", "SEKHA_SERVER_HOST", "SEKHA__LLM_PROVIDERS",
                      "SEKHA__LLM_PROVIDERS__0__API_KEY", "SEKHA__DEFAULT_MODELS",
                      "SEKHA__CIRCUIT_BREAKER__RESET_TIMEOUT", "SEKHA__ROUTING__AUTO_FALLBACK",
                      "SEKHA__NOT_A_THING", "SEKHA_API_KEYS", "VISION_MODEL"})
names = st.one_of(st.sampled_from(KNOWN_NAMES), st.from_regex(r"[A-Z_]{1,12}", fullmatch=True))
# Values with the characters that matter: interpolation, quoting, JSON, numbers, dates.
fragments = st.sampled_from([
    "${A}", "${A:-d}", "${A-d}", "${A:?m}", "${A?m}", "$$", "$", "${", "}", "'", '"', "#",
    "[", "]", "{", "}", ",", ":", "1", "99999", "9" * 40, "-", ".", "true", "null", "x",
    "http://h:1", "1979-05-27", "07:32:00", " ", "\\", '{"id": 1}', "[{}]",
])
values = st.lists(fragments, max_size=8).map("".join)
toml_keys = st.sampled_from([*sorted(v1.FLAT_KEYS), "server.port", "ollama.url", "x", "a.b.c"])
toml_values = st.sampled_from([
    '"text"', "1", "-3", "1.5", "inf", "nan", "true", "1979-05-27T07:32:00Z", "07:32:00",
    "1979-05-27", "[]", '["a", "b"]', "[1, [2]]", "{ a = 1 }", '"""multi\nline"""', "9" * 60,
    "'lit'", "[[[]]]", "{}", '"${VAR:-x}"',
])


@st.composite
def toml_documents(draw: Any) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            lines.append(f"[{draw(st.sampled_from([*sorted(v1.SECTION_KEYS), 'x']))}]")
        elif kind == 1:
            lines.append(draw(values))  # anything, often a syntax error
        else:
            lines.append(f"{draw(toml_keys)} = {draw(toml_values)}")
    return "\n".join(lines) + "\n"


@st.composite
def env_documents(draw: Any) -> str:
    lines = [f"{draw(names)}={draw(values)}" for _ in range(draw(st.integers(0, 8)))]
    return "\n".join(lines) + "\n"


@st.composite
def compose_documents(draw: Any) -> str:
    services: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(["sekha-core", "controller", "llm-bridge", "proxy", "db",
                                     "ollama"]))
        pairs = {draw(names): draw(st.one_of(values, st.none(), st.integers(), st.booleans()))
                 for _ in range(draw(st.integers(0, 5)))}
        if draw(st.booleans()):
            environment: Any = pairs
        else:
            environment = [k if v is None else f"{k}={v}" for k, v in pairs.items()]
        service: dict[str, Any] = {"image": f"ghcr.io/sekha-ai/{name}", "environment": environment}
        if draw(st.booleans()):
            service["env_file"] = draw(st.sampled_from([".env", ["missing.env"],
                                                        [{"path": "x.env", "required": False}]]))
        services[name] = service
    return yaml.safe_dump({"services": services}) if draw(st.booleans()) else draw(values)


def _plan(name: str, text: str, dotenv: str | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        (base / name).write_text(text, encoding="utf-8")
        if dotenv is not None and name != ".env":
            (base / ".env").write_text(dotenv, encoding="utf-8")
        try:
            plan = plan_migration(MigrationRequest(
                sources=(base / name,), directory=base, home=base / "home",
                environ={"A": "shell"}))
        except MigrateUsageError:
            return  # a usage error is an answer too (exit 2), not a traceback
        assert plan.text or plan.findings or plan.kind.value != "v1"


@FUZZ
@given(toml_documents())
def test_random_toml_never_raises(text: str) -> None:
    _plan("config.toml", text, None)


@FUZZ
@given(env_documents())
def test_random_env_files_never_raise(text: str) -> None:
    _plan(".env", text, None)


@FUZZ
@given(compose_documents(), st.one_of(st.none(), env_documents()))
def test_random_compose_files_never_raise(text: str, dotenv: str | None) -> None:
    _plan("docker-compose.yml", text, dotenv)
