"""A compose project checked as one deployment: what only the services together show.

Each Sekha service is resolved by the effective-configuration engine (`effective`), which
alone knows the loaders' rules; this module compares what the services run with: the
proxy's key against the controller's, each URL against the service it must reach, the files
mounted against what their component reads, Chroma's healthcheck against its version.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import urlsplit

from sekha_migrate.effective.deployment import ComposeDeployment, Scope, resolve_compose
from sekha_migrate.effective.environment import ServiceInputs
from sekha_migrate.effective.values import EffectiveConfig
from sekha_migrate.findings import Finding, Mark, Severity
from sekha_migrate.model import loaders
from sekha_migrate.model.masking import mask_text
from sekha_migrate.model.v1_components import component_of_service
from sekha_migrate.origin import Origin
from sekha_migrate.sources.compose_doc import ComposeService
from sekha_migrate.validate.chroma_api import check_chroma_api

# Chroma 1.x answers 410 Gone on every /api/v1 path (consumers.md section 9, verified on
# chromadb 1.5.9); its v2 heartbeat exists from 0.5.16.
CHROMA_V1_HEARTBEAT = "/api/v1/heartbeat"
CHROMA_V2_HEARTBEAT = "/api/v2/heartbeat"
CHROMA_PORT = 8000  # the image's `chroma run` listens there
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Reached(NamedTuple):
    """The services of one component: the host names that reach them and their port."""

    component: str
    services: tuple[str, ...]
    hosts: frozenset[str]
    port: int


def check_compose(path: Path, environ: Mapping[str, str]) -> tuple[Finding, ...]:
    """Every finding about the deployment a compose file describes, interpolated from
    `environ` (and the .env beside it) as `docker compose up` would."""
    deployment = resolve_compose(path, Scope(environ=environ))
    found = [*deployment.findings]
    for service in deployment.services:
        found += _said(deployment, service)
    for name, config in deployment.configs.items():
        # would-not-start, mount-missing, interpolation, env-file: the engine's own
        found += [_placed(deployment, name, finding) for finding in config.findings]
    found += _names_unread(deployment)
    found += _keys_in_effect(deployment)
    found += _proxy_key(deployment)
    found += _urls(deployment)
    found += _mounts_unread(deployment)
    found += _chroma_healthchecks(deployment)
    found += check_chroma_api(
        [_service(deployment, name) for name in _components(deployment, loaders.CONTROLLER)],
        [s for s in deployment.services if _is_chroma(s)])
    # A finding in the compose file itself names no file: the caller's result names it as
    # the user wrote it.
    return tuple(replace(f, file=None) if f.file == str(path) else f for f in found)


# ---- services --------------------------------------------------------------------------


def _said(deployment: ComposeDeployment, service: ComposeService) -> list[Finding]:
    """Which component a Sekha service runs, and what said so."""
    inputs = deployment.inputs.get(service.name)
    if inputs is None:
        return []
    if component_of_service(service.name, "", "") == inputs.component:
        by = "its name"
    elif component_of_service("", service.image, "") == inputs.component:
        by = f"its image {service.image}"
    else:
        by = f"its build context {service.build}"
    return [_at(service.mark, Severity.INFO, "compose-service",
                f"service {service.name} runs the {inputs.component} (by {by})")]


def _components(deployment: ComposeDeployment, component: str) -> list[str]:
    return [name for name, config in deployment.configs.items() if config.component == component]


def _service(deployment: ComposeDeployment, name: str) -> ComposeService:
    return next(s for s in deployment.services if s.name == name)


def _reached(deployment: ComposeDeployment, component: str) -> Reached | None:
    """The names other containers reach `component`'s services by, and the port it listens
    on inside its container; None when the project runs no such service."""
    names = _components(deployment, component)
    if not names:
        return None
    if component == loaders.BRIDGE:
        port = loaders.BRIDGE_IMAGE_LISTEN[1]  # the image's uvicorn, whatever PORT says
    else:
        port = int(deployment.configs[names[0]].value("server_port", 8080))
    return Reached(component, tuple(names), _hosts(deployment, names), port)


def _hosts(deployment: ComposeDeployment, names: list[str]) -> frozenset[str]:
    """The host names that reach these services from another container of the project."""
    return frozenset(host.lower() for name in names
                     for host in (name, *_service(deployment, name).aliases))


def _names_unread(deployment: ComposeDeployment) -> Iterator[Finding]:
    """Names a service's environment gives its component that it never reads (another
    component's, an older release's, one underscore short): dead configuration."""
    for name, config in deployment.configs.items():
        via = f"compose service {name}"
        for unread in config.unread:
            origin = unread.origin
            if origin is None or origin.key != unread.what or origin.line is None or not (
                    origin.via.startswith(via) or origin.via.startswith(f"env_file of {via}")):
                continue
            yield _at(_place(deployment, name, origin), Severity.WARNING,
                      "unread-name", f"service {name}: {unread.what} does not reach the "
                      f"{config.component}: {unread.reason}", hint="remove it, or set the name the "
                      f"{config.component} reads (sekha show {deployment.path.name} lists them)")


def _chroma(deployment: ComposeDeployment) -> Reached | None:
    """Chroma's services, on the port its image serves (`chroma run`'s 8000)."""
    names = [s.name for s in deployment.services if _is_chroma(s)]
    if not names:
        return None
    return Reached("Chroma server", tuple(names), _hosts(deployment, names), CHROMA_PORT)


def _is_chroma(service: ComposeService) -> bool:
    return "chroma" in service.image.lower()


# ---- keys ------------------------------------------------------------------------------


def _keys_in_effect(deployment: ComposeDeployment) -> Iterator[Finding]:
    """The controller's MCP key: the public default, an example key published upstream,
    empty, or too short to authenticate."""
    for name in _components(deployment, loaders.CONTROLLER):
        if _refused(deployment, name, "mcp_api_key"):
            continue
        config = deployment.configs[name]
        setting = config.settings["mcp_api_key"]
        where = _place(deployment, name, setting.origin)
        key = setting.value if isinstance(setting.value, str) else ""
        if key == loaders.PUBLIC_DEFAULT_KEY:
            told = ("no source gives it a key" if setting.origin.is_default
                    else f"set at {setting.origin.describe()}")
            yield _at(where, Severity.ERROR, "public-default-key",
                      f"service {name}: the controller runs with the public default MCP key "
                      f"({told}): anyone can authenticate with it",
                      hint=_key_hint(name))
        elif key in loaders.PUBLISHED_KEYS:
            yield _at(where, Severity.ERROR, "published-key",
                      f"service {name}: the controller's mcp_api_key is an example key "
                      f"published in Sekha's own repositories (set at "
                      f"{setting.origin.describe()}): anyone who has read them can "
                      "authenticate", hint=_key_hint(name))
        elif len(key) < loaders.MIN_KEY_LENGTH:
            size = "empty" if not key else f"{len(key)} characters"
            yield _at(where, Severity.ERROR, "mcp-key-rejected",
                      f"service {name}: the controller's mcp_api_key is {size} (set at "
                      f"{setting.origin.describe()}): its MCP auth rejects every token "
                      f"shorter than {loaders.MIN_KEY_LENGTH}, so every MCP call fails",
                      hint=_key_hint(name))


def _key_hint(service: str) -> str:
    return (f"set SEKHA__MCP_API_KEY in service {service}'s environment to a key of your own "
            "(openssl rand -hex 32), e.g. SEKHA__MCP_API_KEY=${MCP_API_KEY:?set it in .env}")


def _proxy_key(deployment: ComposeDeployment) -> Iterator[Finding]:
    """The proxy authenticates to the controller with CONTROLLER_API_KEY: it must be the
    controller's mcp_api_key. Neither key is ever shown."""
    for name in _components(deployment, loaders.PROXY):
        proxy = deployment.configs[name]
        given = proxy.settings["controller.api_key"]
        if not given.value or _refused(deployment, name, "CONTROLLER_API_KEY"):
            continue  # the proxy would not start: the engine says so
        controller = _controller_of(deployment, proxy)
        if controller is None or _refused(deployment, controller, "mcp_api_key"):
            continue
        wanted = deployment.configs[controller].settings["mcp_api_key"]
        if given.value == wanted.value:
            continue
        yield _at(_place(deployment, name, given.origin), Severity.ERROR,
                  "deployment-key-mismatch",
                  f"service {name}: the proxy's CONTROLLER_API_KEY differs from the "
                  f"controller's mcp_api_key (service {controller}, "
                  f"{wanted.origin.describe()}): the controller refuses the proxy's calls",
                  hint="give both the same variable: CONTROLLER_API_KEY=${MCP_API_KEY} in the "
                  "proxy and SEKHA__MCP_API_KEY=${MCP_API_KEY} in the controller")


def _controller_of(deployment: ComposeDeployment, proxy: EffectiveConfig) -> str | None:
    """The controller service the proxy's CONTROLLER_URL names, else the only one."""
    controllers = _components(deployment, loaders.CONTROLLER)
    host = _host(proxy.value("controller.url"))
    for name in controllers:
        if host in _hosts(deployment, [name]):
            return name
    return controllers[0] if len(controllers) == 1 else None


def _refused(deployment: ComposeDeployment, service: str, key: str) -> bool:
    """Whether compose refuses the entry that sets `key` (reported as an interpolation
    error): no value to judge."""
    inputs = deployment.inputs[service]
    name = key if key.isupper() else loaders.controller_env_name(key)
    return name in inputs.failed


# ---- URLs ------------------------------------------------------------------------------


def _urls(deployment: ComposeDeployment) -> Iterator[Finding]:
    """Each URL one Sekha service calls another by names that service, on its port."""
    bridge = _reached(deployment, loaders.BRIDGE)
    controller = _reached(deployment, loaders.CONTROLLER)
    wanted = [(loaders.CONTROLLER, "llm_bridge_url", "SEKHA__LLM_BRIDGE_URL", bridge),
              (loaders.CONTROLLER, "chroma_url", "SEKHA__CHROMA_URL", _chroma(deployment)),
              (loaders.PROXY, "llm.bridge_url", "LLM_BRIDGE_URL", bridge),
              (loaders.PROXY, "controller.url", "CONTROLLER_URL", controller)]
    for component, key, variable, target in wanted:
        if target is None:
            continue  # that service runs elsewhere: nothing in this file to compare with
        for name in _components(deployment, component):
            config = deployment.configs[name]
            setting = config.settings[key]
            why = _why_unreached(setting.value, target)
            if why is None:
                continue
            url = mask_text(str(setting.value), config.secrets)
            label = f"the controller's {key}" if component == loaders.CONTROLLER \
                else f"the proxy's {variable}"
            yield _at(_place(deployment, name, setting.origin), Severity.WARNING,
                      "deployment-url",
                      f"service {name}: {label} {url!r} ({setting.origin.describe()}) does "
                      f"not reach the {target.component} (service "
                      f"{', '.join(target.services)}, port {target.port}): {why}",
                      hint=f"set {variable}=http://{target.services[0]}:{target.port} in "
                      f"service {name}'s environment")


def _why_unreached(url: object, target: Reached) -> str | None:
    if not isinstance(url, str) or not url:
        return "it is empty"
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return "it is not a URL"
    host = (parts.hostname or "").lower()
    if host not in target.hosts:
        if host in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):
            return f"{host} is the calling service's own container"
        return f"no service of this file is called {host or '(no host)'}"
    if port != target.port:
        return f"port {port}, but the {target.component} listens on {target.port}"
    return None


def _host(url: object) -> str:
    try:
        return (urlsplit(url).hostname or "").lower() if isinstance(url, str) else ""
    except ValueError:
        return ""


# ---- mounted files ---------------------------------------------------------------------


def _mounts_unread(deployment: ComposeDeployment) -> Iterator[Finding]:
    """A configuration file mounted into the controller or the bridge that it never reads:
    at a path it does not look at, or beside the file it reads first."""
    for name, config in deployment.configs.items():
        if config.component == loaders.PROXY:
            continue
        inputs = deployment.inputs[name]
        for source, target, mark in _service(deployment, name).mounts:
            host = inputs.mounts.get(target)
            if host is None:
                continue
            for inside, file in _mounted(config, target, host):
                why = _why_unread(config, inputs, inside, file)
                if why is not None:
                    yield _at(mark, Severity.WARNING, "mount-unread",
                              f"service {name}: {source} is mounted at {inside}, which the "
                              f"{config.component} never reads: {why}",
                              hint=_mount_hint(config, inputs.working_dir))


def _mounted(config: EffectiveConfig, target: str, host: Path) -> list[tuple[str, Path]]:
    """The files a mount puts in the container. Of a directory (a source tree, often) only
    the controller's config.* names count: config.example.yaml beside them is no mistake."""
    if not host.is_dir():
        return [(target, host)]
    if config.component != loaders.CONTROLLER:
        return []
    return [(str(PurePosixPath(target, child.name)), child) for child in sorted(host.iterdir())
            if child.is_file() and child.name in loaders.CONTROLLER_FILE_ORDER]


def _why_unread(config: EffectiveConfig, inputs: ServiceInputs, inside: str, host: Path
                ) -> str | None:
    path, workdir = PurePosixPath(inside), inputs.working_dir
    if str(host) in config.files_read:
        return None
    if config.component == loaders.CONTROLLER:
        if not _looks_like_controller_config(path.name):
            return None
        if str(path.parent) != workdir or path.name not in loaders.CONTROLLER_FILE_ORDER:
            return (f"it reads only {workdir}/config.* (config.toml, config.json, "
                    "config.yaml, ...), its working directory")
        if not host.is_file():
            return None  # mount-missing says it
        first = next((f for f in config.files_read if not f.endswith(".env")), None)
        return (f"config-rs reads only the first config.* in {workdir}, and "
                f"{first or 'another'} comes first")
    if path.suffix.lower() not in (".yaml", ".yml") or not path.name.startswith("config"):
        return None
    given = inputs.environment.get(loaders.BRIDGE_CONFIG_PATH_VARIABLE)
    read = PurePosixPath(workdir, given.value if given else loaders.BRIDGE_DEFAULT_CONFIG_PATH)
    if str(read) == inside:
        return None  # mount-missing says it
    found = "" if config.files_read else ", and with no file there it builds its settings " \
        "from_env"
    return f"it reads the YAML at CONFIG_PATH ({read}){found}"


def _looks_like_controller_config(name: str) -> bool:
    return name == "config" or (name.startswith("config.") and PurePosixPath(name).suffix
                                in {PurePosixPath(n).suffix for n in
                                    loaders.CONTROLLER_FILE_ORDER})


def _mount_hint(config: EffectiveConfig, workdir: str) -> str:
    if config.component == loaders.CONTROLLER:
        return (f"mount it at {workdir}/config.toml (or .yaml), with no other config.* "
                f"beside it in {workdir}")
    return (f"mount it at {loaders.BRIDGE_WORKDIR}/{loaders.BRIDGE_DEFAULT_CONFIG_PATH}, or "
            "set CONFIG_PATH to where it is mounted")


# ---- Chroma ----------------------------------------------------------------------------


def _chroma_healthchecks(deployment: ComposeDeployment) -> Iterator[Finding]:
    for service in deployment.services:
        if not _is_chroma(service) or service.healthcheck is None:
            continue
        test, mark, file = service.healthcheck
        release = _chroma_release(service.image)
        if CHROMA_V1_HEARTBEAT not in test or release is None:
            continue
        yield _at(Place(mark, file), Severity.WARNING, "chroma-healthcheck-v1",
                  f"service {service.name}: the healthcheck asks {CHROMA_V1_HEARTBEAT}, but "
                  f"{service.image} is {release}, which answers 410 on every /api/v1 path: "
                  "the service never becomes healthy, and whatever waits for it "
                  "(depends_on: condition: service_healthy) never starts",
                  hint=f"ask {CHROMA_V2_HEARTBEAT} instead (Chroma 0.5.16 and later answer "
                  "it)")


def _chroma_release(image: str) -> str | None:
    """How an image answers /api/v1: "Chroma 1.x" (a 1.x tag), "unpinned (latest is 1.x)",
    or None for a 0.x tag, a digest or a tag that says nothing."""
    if "@" in image:
        return None  # a digest: its version is not in the name
    last = image.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    if not tag or tag == "latest":
        return "unpinned (latest is Chroma 1.x)"
    major = tag.lstrip("v").split(".", 1)[0]
    if major.isdigit() and int(major) >= 1:
        return "Chroma 1.x"
    return None


# ---- positions -------------------------------------------------------------------------


class Place(NamedTuple):
    """Where a finding points: a line of the compose file (file None), or of another file."""

    mark: Mark | None
    file: str | None = None


def _place(deployment: ComposeDeployment, service: str, origin: Origin) -> Place:
    """Where a value was written; a default (or a shell variable) at its service."""
    if origin.file is not None and origin.line is not None:
        file = None if origin.file == str(deployment.path) else origin.file
        return Place(Mark(origin.line, origin.column or 1), file)
    return Place(_service(deployment, service).mark)


def _placed(deployment: ComposeDeployment, service: str, finding: Finding) -> Finding:
    """A finding of the engine without a position (a required setting left unset) placed
    at the service it is about."""
    if finding.line is not None or finding.file not in (None, str(deployment.path)):
        return finding
    mark = _service(deployment, service).mark
    return replace(finding, file=None, line=mark.line if mark else None,
                   column=mark.column if mark else None)


def _at(place: Place | Mark | None, severity: Severity, code: str, message: str, *,
        hint: str | None = None) -> Finding:
    if not isinstance(place, Place):
        place = Place(place)
    mark = place.mark
    return Finding(severity, code, message, file=place.file,
                   line=mark.line if mark else None, column=mark.column if mark else None,
                   hint=hint)
