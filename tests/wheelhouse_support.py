"""A wheelhouse made from this test environment, so pip installs the checkout with no index.

pre-commit installs a `language: python` hook with `pip install .` in a fresh virtualenv. With
`PIP_NO_INDEX=1` and `PIP_FIND_LINKS` set to the directory made here, pip finds the build
backend and every dependency as a wheel and never reaches for the network (without network
it would retry an index for minutes). The wheels are the distributions already installed in
this environment, packed again, so the hook runs the same versions the suite does.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class WheelhouseError(Exception):
    """What this environment lacks to install the checkout offline."""


def install_requirements(project: Path) -> list[str]:
    """What `pip install <project>` needs: its build backend and its dependencies."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return [*pyproject["build-system"]["requires"], *pyproject["project"]["dependencies"]]


def installed_closure(requirements: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions meeting `requirements`, with theirs, for this platform."""
    found: dict[str, metadata.Distribution] = {}
    pending = list(requirements)
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise WheelhouseError(f"{requirement.name} is not installed here") from None
        if not requirement.specifier.contains(distribution.version, prereleases=True):
            raise WheelhouseError(f"{requirement} is wanted, {distribution.version} is installed")
        found[name] = distribution
        pending.extend(distribution.requires or ())
    return list(found.values())


def pack_wheel(distribution: metadata.Distribution, directory: Path) -> Path:
    """An installed distribution as a wheel again: its files under site-packages, its
    metadata, and a fresh RECORD. Console scripts come back from entry_points.txt."""
    supported = {str(tag) for tag in sys_tags()}
    tags = [  # shellingham's first tag is py2-none-any: the name must carry one pip accepts
        tag
        for line in (distribution.read_text("WHEEL") or "").splitlines()
        if line.startswith("Tag:") and (tag := line.split(":", 1)[1].strip()) in supported
    ]
    if not tags:
        raise WheelhouseError(
            f"{distribution.metadata['Name']} was not installed from a wheel for this Python"
        )
    name = re.sub(r"[-_.]+", "_", distribution.metadata["Name"]).lower()
    path = directory / f"{name}-{distribution.version}-{tags[0]}.whl"
    site = Path(str(distribution.locate_file(""))).resolve()
    record_name = ""
    records = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for file in distribution.files or ():
            source = Path(str(distribution.locate_file(file))).resolve()
            if file.parts[0] == ".." or not source.is_relative_to(site) or not source.is_file():
                continue  # scripts in bin/ (pip writes them anew), caches gone since
            if file.name == "RECORD" and file.parent.name.endswith(".dist-info"):
                record_name = file.as_posix()
                continue
            if file.suffix == ".pyc" or file.name in ("INSTALLER", "REQUESTED", "direct_url.json"):
                continue
            data = source.read_bytes()
            wheel.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append(f"{file.as_posix()},sha256={digest.decode()},{len(data)}")
        if not record_name:
            raise WheelhouseError(f"{distribution.metadata['Name']} has no RECORD")
        wheel.writestr(record_name, "\n".join([*records, f"{record_name},,"]) + "\n")
    return path


def make_wheelhouse(project: Path, directory: Path) -> Path:
    """Every wheel `pip install <project>` needs, packed from this environment."""
    directory.mkdir(parents=True, exist_ok=True)
    for distribution in installed_closure(install_requirements(project)):
        pack_wheel(distribution, directory)
    return directory
