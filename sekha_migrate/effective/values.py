"""What a component runs with: each setting's value, its origin, and what it overrode.

Plain frozen data: the resolvers (controller, bridge, proxy) build it, `show` renders it,
migrate compares it before and after, validate judges it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.model.masking import is_secret_name, mask_text, mask_value
from sekha_migrate.origin import ENVIRONMENT, Origin

# How a component's values were found, for `show` and the JSON document.
DEFAULT, FILE, ENV = "default", "file", "env"


def origin_kind(origin: Origin) -> str:
    if origin.is_default:
        return DEFAULT
    if origin.file == ENVIRONMENT or origin.via:
        return ENV
    return FILE


class Variable(NamedTuple):
    """One environment variable as the component's process will see it, and where it was
    set: the process environment, a .env line, a compose service's `environment:` entry."""

    name: str
    value: str
    origin: Origin


Environment = Mapping[str, Variable]


def process_environment(environ: Mapping[str, str]) -> dict[str, Variable]:
    """Variables of a process environment (the shell `sekha` runs in, by default)."""
    return {
        name: Variable(name, value, Origin(ENVIRONMENT, key=name, via="process environment"))
        for name, value in environ.items()
    }


class Overridden(NamedTuple):
    """A value a source of higher precedence replaced."""

    value: Any
    origin: Origin


class Setting(NamedTuple):
    """One setting as the component runs with it."""

    key: str
    value: Any
    origin: Origin
    overrides: tuple[Overridden, ...] = ()  # what it replaced, the nearest first
    secret: bool = False
    note: str | None = None  # what the component does with it that the value does not say

    def shown(self) -> Any:
        """The value, a secret masked (first and last characters only)."""
        return mask_value(self.value, secret=self.secret)

    def shown_overrides(self) -> list[tuple[Any, Origin]]:
        """What it replaced, masked like the value itself."""
        return [(mask_value(o.value, secret=self.secret), o.origin) for o in self.overrides]


class Unread(NamedTuple):
    """A file or name beside the component that it does not read, and why."""

    what: str  # a file path or a variable name
    reason: str
    origin: Origin | None = None


class EffectiveConfig(NamedTuple):
    """Everything one component will run with."""

    component: str  # controller | bridge | proxy
    settings: Mapping[str, Setting]
    mode: str = ""  # how it loaded: "files and SEKHA__ variables", "YAML", "from_env", ...
    files_read: tuple[str, ...] = ()
    unread: tuple[Unread, ...] = ()
    findings: tuple[Finding, ...] = ()
    service: str | None = None  # the compose service it runs as, if any
    # Secret texts of its environment and settings: every displayed text is masked with
    # them, so a value built from a secret variable (${API_KEY}http://...) is never shown.
    secrets: frozenset[str] = frozenset()

    def value(self, key: str, default: Any = None) -> Any:
        setting = self.settings.get(key)
        return setting.value if setting is not None else default

    @property
    def starts(self) -> bool:
        """False when the component would refuse to start with this configuration."""
        return not any(f.severity is Severity.ERROR and f.code == "would-not-start"
                       for f in self.findings)

    @property
    def label(self) -> str:
        return f"{self.component} (service {self.service})" if self.service else self.component


def with_secrets(config: EffectiveConfig, environment: Environment) -> EffectiveConfig:
    """`config` knowing the secret texts it may display: variables with secret names and
    the values of its secret settings."""
    found = {v.value for name, v in environment.items() if is_secret_name(name) and v.value}
    for setting in config.settings.values():
        if setting.secret:
            found |= set(_texts(setting.value))
    return config._replace(secrets=frozenset(found))


def masked(value: Any, secrets: frozenset[str]) -> Any:
    """Every text inside `value` with the known secrets masked."""
    if isinstance(value, str):
        return mask_text(value, secrets) if secrets else value
    if isinstance(value, list):
        return [masked(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: masked(item, secrets) for key, item in value.items()}
    return value


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _texts(item)]
    return []


class Layers:
    """Builds the settings of one component: defaults first, each later source winning,
    every replaced value kept as what the winner overrode."""

    def __init__(self, secret_keys: Iterable[str] = ()) -> None:
        self._settings: dict[str, Setting] = {}
        self._secret_keys = frozenset(secret_keys)

    def _is_secret(self, key: str) -> bool:
        """The component's secret keys, and every provider's api_key."""
        return key in self._secret_keys or key.endswith(".api_key")

    def set(self, key: str, value: Any, origin: Origin, note: str | None = None) -> None:
        before = self._settings.get(key)
        overrides: tuple[Overridden, ...] = ()
        if before is not None:
            overrides = (Overridden(before.value, before.origin), *before.overrides)
        self._settings[key] = Setting(key, value, origin, overrides, self._is_secret(key), note)

    def replace(self, key: str, value: Any, origin: Origin, note: str) -> None:
        """A value the loader derives in place of the one set (no override to show)."""
        self._settings[key] = Setting(key, value, origin, (), self._is_secret(key), note)

    def note(self, key: str, note: str) -> None:
        """Add a remark to a setting already set."""
        setting = self._settings[key]
        joined = f"{setting.note}; {note}" if setting.note else note
        self._settings[key] = Setting(setting.key, setting.value, setting.origin,
                                      setting.overrides, setting.secret, joined)

    def get(self, key: str) -> Setting | None:
        return self._settings.get(key)

    def result(self) -> dict[str, Setting]:
        return dict(self._settings)


class Collected:
    """What a resolver gathers besides settings."""

    def __init__(self) -> None:
        self.files_read: list[str] = []
        self.unread: list[Unread] = []
        self.findings: list[Finding] = []
