"""A compose project whose controller speaks Chroma's v2 API beside a Chroma too old for it.

The controller calls `/api/v2/tenants/.../collections` since sekha-controller 11a0b36
(2026-01-11); Chroma serves the v2 API from 0.5.16 on (consumers.md section 9). sekha-docker's
production stack ran the `latest` controller against `chromadb/chroma:0.4.24` until cedb3b3
("upgrade ChromaDB from 0.4.24 to 1.5.0 for v2 API compatibility"): every memory written
and every search failed, and the controller carried on without them.
"""

from __future__ import annotations

from collections.abc import Iterator

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.sources.compose_doc import ComposeService

FIRST_V2_RELEASE = (0, 5, 16)
CONTROLLER_V2_COMMIT = "11a0b36"


def chroma_version(image: str) -> tuple[int, int, int] | None:
    """The release a Chroma image's tag pins (`chromadb/chroma:0.4.24` -> (0, 4, 24)); None
    for a digest, `latest`, no tag, or a tag that is no version."""
    if "@" in image:
        return None
    tag = image.rsplit("/", 1)[-1].partition(":")[2].lstrip("v")
    parts = tag.split("-", 1)[0].split(".")
    if not tag or not all(part.isdigit() for part in parts) or len(parts) > 3:
        return None
    numbers = [int(part) for part in parts] + [0] * (3 - len(parts))
    return numbers[0], numbers[1], numbers[2]


def controller_speaks_v2(service: ComposeService) -> str | None:
    """Why this controller service speaks the v2 API (its image is the unpinned published
    one, or it is built from the controller's source, which speaks v2 since 11a0b36), or None
    when its build says nothing of its release (a pinned tag, a digest)."""
    if service.image:
        if "@" in service.image:
            return None
        tag = service.image.rsplit("/", 1)[-1].partition(":")[2]
        if tag in ("", "latest"):
            return f"its image {service.image} is the latest controller"
        return None
    if service.build:
        return f"it is built from {service.build}, the controller's source"
    return None


def check_chroma_api(controllers: list[ComposeService], chromas: list[ComposeService]
                     ) -> Iterator[Finding]:
    """One finding per Chroma service too old for a controller of the project, at the
    Chroma service's `image:` line (its entry, when the image is inherited by extends:)."""
    speakers = [(service, why) for service in controllers
                if (why := controller_speaks_v2(service)) is not None]
    if not speakers:
        return
    for chroma in chromas:
        version = chroma_version(chroma.image)
        if version is None or version >= FIRST_V2_RELEASE:
            continue
        controller, why = speakers[0]
        mark = chroma.image_mark or chroma.mark
        shown = ".".join(str(n) for n in version)
        yield Finding(
            Severity.ERROR, "chroma-api-mismatch",
            f"service {chroma.name}: {chroma.image} is Chroma {shown}, which has no v2 API "
            f"(it came in 0.5.16), but service {controller.name} speaks only v2 ({why}; "
            f"sekha-controller since {CONTROLLER_V2_COMMIT}): every memory stored and every "
            "search fails, and the controller carries on without them",
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            hint="run chromadb/chroma:1.5.0 (what sekha-docker ships) or any release from "
            "0.5.16, and ask /api/v2/heartbeat in its healthcheck")
