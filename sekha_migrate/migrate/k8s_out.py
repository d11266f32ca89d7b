"""A planned migration written as Kubernetes manifests (`sekha migrate --emit k8s`): the v2
file as the `config.yaml` entry of a ConfigMap, and its keys as a Secret the ConfigMap names,
never inside the ConfigMap (a ConfigMap is readable by whoever may read the namespace).

The controller reads only the first config.* of its working directory, /app in the published
image (consumers.md section 1): sekha-docker's manifests mounted their file at /config.toml,
so a controller deployed by them ran on its defaults. The ConfigMap says where to mount it.
The controller expands no ${VAR} in its file, so its key reaches it only as the variable
SEKHA__MCP_API_KEY: the Secret's keys are the variable names, for `envFrom: secretRef:`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sekha_migrate.findings import Finding, Severity
from sekha_migrate.migrate.results import MigrationPlan, NextStep
from sekha_migrate.model import loaders

CONFIGMAP_NAME = "sekha-config"
SECRET_NAME = "sekha-secrets"
CONFIGMAP_FILE = "sekha-configmap.yaml"
SECRET_FILE = "sekha-secret.yaml"
ENTRY = "config.yaml"
MOUNT_PATH = f"{loaders.CONTROLLER_WORKDIR}/{ENTRY}"


def as_kubernetes(plan: MigrationPlan, secret_path: Path) -> MigrationPlan:
    """`plan` writing a ConfigMap manifest at its output (and a Secret manifest at
    `secret_path`) instead of the bare v2 file and env file. Keys the v2 file refers to as
    ${NAME} that were kept in a source (a .env beside it) go to the Secret too: the cluster
    has no such file."""
    if not plan.text:
        return plan
    kept = _kept_keys(plan)
    secrets = (*plan.secrets, *kept)
    plan = replace(plan, secrets=secrets, secrets_file=secret_path if secrets else None)
    secret = secret_path.name if secrets else None
    moved = {name for name, _ in kept}
    steps = [step for step in plan.next_steps if not _replaced(step, plan)
             and not (step.kind == "variable" and step.subject in moved)]
    steps += [NextStep(loaders.BRIDGE if not name.startswith("SEKHA__") else
                       loaders.CONTROLLER, "variable", name, f"its value is in {secret}")
              for name in sorted(moved)]
    steps.insert(0, NextStep(loaders.CONTROLLER, "file", plan.output.name,
                             f"kubectl apply -f it, and mount its {ENTRY} at {MOUNT_PATH} "
                             f"(mountPath: {MOUNT_PATH}, subPath: {ENTRY}); the controller "
                             f"reads no other path"))
    if secret is not None:
        steps.insert(1, NextStep(loaders.CONTROLLER, "file", secret,
                                 f"kubectl apply -f it, give its keys to the containers as "
                                 f"their environment (envFrom: secretRef: name: "
                                 f"{SECRET_NAME}), and keep the file out of version control"))
    findings = plan.findings
    if plan.holds_literal_secrets:  # a URL password externalizing could not move
        findings = (*findings, Finding(
            Severity.ERROR, "secret-in-configmap",
            "the configuration holds a key or a URL password as text, which would be "
            "written into the ConfigMap, readable by whoever may read the namespace",
            file=str(plan.output),
            hint="take the password out of the URL (or the key out of the file), give it "
            "to the component as a variable from a Secret, and run again"))
    return replace(plan, text=configmap_text(plan.text, secret), emit="k8s",
                   secrets_text=secret_text(plan.secrets), findings=findings,
                   next_steps=tuple(steps))


def _kept_keys(plan: MigrationPlan) -> list[tuple[str, str]]:
    """(NAME, value) of each secret the v2 text refers to as ${NAME} that was read from a
    source rather than placed in the secrets file."""
    placed = {name for name, _ in plan.secrets}
    found: dict[str, str] = {}
    for read in plan.reads:
        name = read.origin.key
        if (read.secret and isinstance(read.value, str) and read.value and name not in placed
                and "${" + name + "}" in plan.text):
            found[name] = read.value
    return sorted(found.items())


def _replaced(step: NextStep, plan: MigrationPlan) -> bool:
    """The steps that would mount the bare files: the manifests' own steps replace them."""
    names = {plan.output.name, plan.secrets_file.name if plan.secrets_file else ""}
    return step.kind == "file" and step.subject in names


def configmap_text(config: str, secret_file: str | None) -> str:
    lines = [
        "# The Sekha configuration as a Kubernetes ConfigMap, written by sekha migrate.",
        f"# The controller reads only {loaders.CONTROLLER_WORKDIR}/config.* (its working "
        "directory): mount the entry there,",
        "#   volumeMounts:",
        f"#     - {{name: {CONFIGMAP_NAME}, mountPath: {MOUNT_PATH}, subPath: {ENTRY}}}",
        "#   volumes:",
        f"#     - {{name: {CONFIGMAP_NAME}, configMap: {{name: {CONFIGMAP_NAME}}}}}",
    ]
    if secret_file is not None:
        lines += [f"# Its keys are in the Secret {SECRET_NAME} ({secret_file}), never here:",
                  "# give them to the containers as their environment,",
                  f"#   envFrom: [{{secretRef: {{name: {SECRET_NAME}}}}}]"]
    lines += ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {CONFIGMAP_NAME}",
              "data:", f"  {ENTRY}: |"]
    lines += [f"    {line}" if line.strip() else "" for line in config.splitlines()]
    return "\n".join(lines) + "\n"


def secret_text(pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    """The Secret holding `pairs`, each under its variable name; "" when there is none."""
    if not pairs:
        return ""
    lines = ["# The keys of the Sekha configuration, written by sekha migrate (mode 0600).",
             "# kubectl apply -f it, then keep it out of version control; the containers get",
             f"# its keys as variables with envFrom: [{{secretRef: {{name: {SECRET_NAME}}}}}].",
             "apiVersion: v1", "kind: Secret", "metadata:", f"  name: {SECRET_NAME}",
             "type: Opaque", "stringData:"]
    lines += [f"  {name}: {json.dumps(value)}" for name, value in pairs]
    return "\n".join(lines) + "\n"


def default_paths(directory: Path, output: Path | None, secrets_file: Path | None
                  ) -> tuple[Path, Path]:
    """Where --emit k8s writes when not told: the manifests in --dir."""
    return (output if output is not None else directory / CONFIGMAP_FILE,
            secrets_file if secrets_file is not None else directory / SECRET_FILE)
