"""The registry of finding codes: what each one means and what fixes it.

Every code any command emits (validate, migrate, probe, rollback) has one entry here, with its
usual severity and its documentation; tests/test_rule_registry.py fails on a code emitted
without one. Renderers that describe rules (SARIF's `tool.driver.rules`, GitLab's
`check_name`, `validate --verbose`) read it, and the docs' pages of codes (docs/codes/) are
generated from it: `python tools/docs_gen.py`.
Schema rules are a family (`schema-<keyword>`), described by one entry built on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sekha_migrate.findings import Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO
# This project, and where each code's page is (SARIF's informationUri and helpUri; `sekha
# explain` prints it). tests/test_explain.py checks that every page exists.
PROJECT_URL = "https://github.com/sekha-ai/sekha-migrate"
CODES_URL = f"{PROJECT_URL}/blob/main/docs/codes/index.md"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity  # the usual one; --strict turns warnings into errors
    description: str
    help: str


_VALIDATE = (
    Rule("syntax", E, "The file is not valid YAML or JSON.", "Fix the syntax at the position "
         "shown; indent with spaces, not tabs."),
    Rule("encoding", E, "The file is not valid UTF-8.", "Save the file as UTF-8."),
    Rule("binary", E, "The file holds binary data, not text.", "Point validate at the YAML or "
         "JSON configuration."),
    Rule("too-large", E, "The input is larger than any configuration.", "Check that the path "
         "names a configuration file."),
    Rule("unreadable", E, "The path does not exist or cannot be read.", "Check the path and "
         "its permissions."),
    Rule("empty-document", E, "The file holds no configuration.", "Start from `sekha init` or "
         "convert a v1 configuration with `sekha migrate`."),
    Rule("not-a-mapping", E, "The top level is a list or a single value, not keys.",
         "Make the top level a mapping of keys such as version and llm_providers."),
    Rule("multiple-documents", E, "The file holds several YAML documents.", "Keep one "
         "configuration per file."),
    Rule("alias-bomb", E, "YAML aliases expand to too many nodes.", "Replace the nested "
         "aliases with plain values."),
    Rule("too-deep", E, "The document nests deeper than 200 levels.", "Flatten the structure."),
    Rule("duplicate-key", E, "A key appears twice in one mapping; loaders keep only the last.",
         "Remove one of the two entries."),
    Rule("non-string-key", E, "A key that YAML reads as something other than a string.",
         "Quote the key, e.g. 'on'."),
    Rule("complex-key", E, "A key that is a list or a mapping.", "Use a plain string key."),
    Rule("v1-config", E, "A v1 configuration given where v2 is expected.", "Convert it with "
         "`sekha-migrate migrate`."),
    Rule("duplicate-provider-id", E, "Two providers share one id.", "Give every provider a "
         "unique id."),
    Rule("unknown-default-model", E, "A default_models entry names a model no provider "
         "offers.", "Use a model_id listed under one of the providers."),
    Rule("default-model-task", E, "A default model has the wrong task for its role.",
         "Pick an embedding model for embedding, a vision model for chat_vision, chat models "
         "for chat defaults."),
    Rule("url-scheme", E, "A URL Sekha talks HTTP to lacks http(s):// or a host.",
         "Write the full URL, e.g. http://localhost:11434."),
    Rule("url-invalid", E, "A URL that cannot be parsed.", "Fix the URL."),
    Rule("unresolved-variable", N, "A ${VAR} is not set, so only the placeholder was "
         "checked.", "Set the variable or pass --env-file to check the real value."),
    Rule("dialect-key", W, "A key spelled as another Sekha component spells it: the file's own "
         "consumer ignores it.", "Rename it to the key the message names (sekha migrate does "
         "this)."),
    Rule("both-dialects", E, "Both 'providers' (the bridge's) and 'llm_providers' (the docker "
         "schema's) in one file; each consumer ignores the other's.", "Keep one registry; "
         "convert with sekha migrate --target docker|bridge."),
    Rule("literal-placeholder", E, "A ${VAR} in a value its consumer takes as literal text: "
         "any of the controller's keys in a docker-dialect file (the controller expands "
         "nothing in its file), anything but a provider's whole-value api_key in a bridge "
         "file.", "Controller: set SEKHA__<KEY> in its environment (compose environment:, or "
         "the .env in its working directory) and remove the key from the file. Bridge: write "
         "the value itself."),
    Rule("public-default-key", E, "The controller would run with its public default MCP key "
         "(dev_default_key_change_me_1234567890): set to it (error), or no mcp_api_key in a "
         "docker file and no SEKHA__MCP_API_KEY in the environment given (warning).",
         "Set SEKHA__MCP_API_KEY in the controller's environment to a key of your own "
         "(openssl rand -hex 32)."),
    Rule("mcp-key-rejected", E, "The MCP key in effect is shorter than 32 characters, which "
         "the controller's MCP auth rejects: SEKHA__MCP_API_KEY in the environment given, or "
         "`SEKHA__MCP_API_KEY=` empty in an env file (the controller reads \"\").",
         "Give it a key of 32 characters or more (openssl rand -hex 32)."),
    Rule("shadowed-config", W, "A config.yaml (or other config.*) the controller never reads: "
         "an earlier file of config, config.toml, config.json, ... sits beside it, and the "
         "controller reads only the first that exists.", "Move the other file away, or mount "
         "this one where nothing else is beside it."),
    Rule("env-json", E, "SEKHA__LLM_PROVIDERS or SEKHA__DEFAULT_MODELS is not valid JSON.",
         "Write the value as JSON in single quotes (sekha migrate --target env does)."),
    Rule("env-syntax", W, "A .env line that is not a NAME=value assignment; it is skipped.",
         "Fix or remove the line."),
    Rule("unread-name", W, "A compose environment name the component it is given to never "
         "reads (no Sekha component does, or only another one): dead configuration.",
         "Remove it, or set the value the consumer reads."),
    Rule("unknown-name", W, "A SEKHA__ name no Sekha component reads.", "Check the spelling "
         "against sekha schema."),
    Rule("misplaced-key", W, "A routing key at the top level.", "Move it under routing:."),
    Rule("unknown-key", W, "A key Sekha does not read.", "Fix the spelling or remove the key; "
         "prefix your own keys with x-."),
    Rule("other-component-key", N, "A key of the LLM bridge's own configuration.",
         "Nothing to do unless this file is meant for the controller only."),
    Rule("literal-secret", W, "An API key or a URL password written into a file that may be "
         "committed.", "A provider's api_key: write ${OPENAI_API_KEY} (the bridge expands it). "
         "A controller key or database_url: set SEKHA__<KEY> in the controller's environment "
         "and remove it from the file. Otherwise keep the file private (0600)."),
    Rule("insecure-transport", W, "An API key sent over plain http:// to a remote host.",
         "Use https:// for remote providers."),
    Rule("missing-version", N, "No version key.", 'Add version: "2.0" at the top.'),
    Rule("unused-suppression", W, "A `# sekha: ignore[code]` comment (or a code in one) "
         "that suppressed nothing: the finding it was for is gone, or the code is misspelled "
         "(reported under --strict only, so an error).", "Remove the comment, or the codes "
         "in it that no longer apply."),
    Rule("not-sekha", N, "A YAML or JSON file whose top-level keys, taken together, are not "
         "Sekha's (a name other applications share, such as log_level, does not make it so): "
         "skipped under --skip-non-sekha, with the reason.",
         "Nothing to do: the file is not a Sekha configuration."),
)
# A compose file named to validate is checked as the deployment it describes.
_DEPLOYMENT = (
    Rule("compose-skipped", N, "A compose file found in a directory given to validate: "
         "skipped, since checking it means checking the whole deployment.", "Name the compose "
         "file (sekha validate docker-compose.yml) to check the deployment it describes."),
    Rule("compose-service", N, "Which Sekha component a compose service runs, and what said "
         "so (its name, image or build context).", "Nothing to do when it is right; rename "
         "the service or its image when it is not."),
    Rule("deployment-key-mismatch", E, "The proxy's CONTROLLER_API_KEY differs from the "
         "controller's mcp_api_key in effect, so the controller refuses the proxy's calls "
         "(neither key is shown).", "Give both the same variable: CONTROLLER_API_KEY="
         "${MCP_API_KEY} in the proxy, SEKHA__MCP_API_KEY=${MCP_API_KEY} in the controller."),
    Rule("deployment-url", W, "A URL one service calls another by (the controller's "
         "llm_bridge_url or chroma_url, the proxy's LLM_BRIDGE_URL or CONTROLLER_URL) does not "
         "name that service (its name, container_name or a network alias) on the port it "
         "listens on (the bridge's image: 5001, Chroma's: 8000).", "Set the URL to "
         "http://<service>:<port> in the calling service's environment, as the hint says."),
    Rule("published-key", E, "The controller runs with an example key Sekha's own "
         "repositories publish (test_key_..., dev_api_key_..., CHANGE_ME_32_CHARS_MINIMUM_"
         "REQUIRED from a copied .env.example): anyone who has read them can authenticate.",
         "Set SEKHA__MCP_API_KEY to a key of your own (openssl rand -hex 32)."),
    Rule("mount-unread", W, "A configuration file mounted (by a compose service or a "
         "Kubernetes Deployment) into the controller or the bridge "
         "at a path it never reads: the controller reads only the first config.* of its "
         "working directory (/app), the bridge the YAML at CONFIG_PATH.", "Mount it at "
         "/app/config.toml (controller) or /app/config.yaml (bridge), with nothing read "
         "before it beside it."),
    Rule("chroma-healthcheck-v1", W, "A Chroma healthcheck on /api/v1/heartbeat with a 1.x or "
         "unpinned (latest) image: Chroma 1.x answers 410 on every /api/v1 path, so the "
         "service never becomes healthy.", "Ask /api/v2/heartbeat (answered since Chroma "
         "0.5.16)."),
    Rule("configmap-no-config", E, "A Kubernetes ConfigMap given to validate holds no Sekha "
         "config file (config.toml, config.yaml, config.yml or config.json) under data:.",
         "Name the ConfigMap that holds the configuration, or add the file under data:."),
    Rule("k8s-manifest", N, "A Kubernetes manifest other than a ConfigMap (a Deployment, a "
         "Service, ...): it holds no Sekha configuration.", "Nothing to do; validate the "
         "ConfigMap or the Helm chart's values.yaml."),
    Rule("helm-template", E, "A Helm template given as a configuration: helm fills its "
         "{{ }} from the chart's values at install time (exit 2).", "Give the chart's "
         "values.yaml instead, or render the chart first (helm template)."),
    Rule("helm-template-skipped", N, "A Helm template found in a directory given to "
         "validate: skipped.", "Nothing to do; the chart's values.yaml is validated."),
    Rule("helm-value-unread", W, "A value of sekha-docker's Helm chart that reaches the "
         "controller nowhere: the chart renders it into a sectioned config.toml mounted at "
         "/config.toml and a one-underscore SEKHA_ variable, neither of which the controller "
         "reads (or no template renders it at all).", "Migrate the values (sekha migrate "
         "values.yaml --emit k8s) and mount the ConfigMap written at /app/config.yaml."),
    Rule("chroma-api-mismatch", E, "A controller that speaks Chroma's v2 API (the latest "
         "image, or built from source: since sekha-controller 11a0b36) beside a Chroma image "
         "older than 0.5.16, which has only the v1 API: every memory stored and every search "
         "fails.", "Run chromadb/chroma:1.5.0 (or any release from 0.5.16)."),
)
# A migration also reports validate's findings about the text it writes or converts.
_MIGRATE = (
    Rule("invalid-value", E, "A v1 value that cannot be read as the type its setting needs.",
         "Fix the value at the position shown (a port is a whole number, a flag true/false)."),
    Rule("interpolation", E, "A compose ${VAR} that cannot be expanded (`${VAR:?message}` "
         "unset, or malformed).", "Set the variable in the shell or in the .env beside the "
         "compose file."),
    Rule("env-file", E, "A compose service's required env_file cannot be read.",
         "Create the file, or mark it `required: false`."),
    Rule("no-sekha-settings", E, "None of the sources holds a Sekha setting.",
         "Name the file that holds the Sekha configuration (config.toml, .env, or a compose "
         "file with a Sekha service)."),
    Rule("unknown-embedding-model", W, "The embedding model is not in the table of known "
         "models, so its dimension is assumed.", "Pass --dimension N, or --probe to measure "
         "it; --strict makes this an error."),
    Rule("dimension-differs", W, "--dimension differs from the model's published dimension.",
         "Make sure the vector store was built with the dimension given."),
    Rule("cloud-provider-without-models", W, "A cloud API key adds a provider with no models, "
         "so nothing routes to it.", "Add models under that provider when you want to use it."),
    Rule("indexed-target-missing", W, "An indexed v1 variable (e.g. SEKHA__LLM_PROVIDERS__1__"
         "...) names an entry that does not exist; its value is not carried.",
         "Give the whole value, or fix the index."),
    Rule("unmappable-key", W, "A v1 key v2 has no place for; its value stays in the backup "
         "(info for keys of other programs in a shared .env).", "Nothing to do if the key was "
         "not Sekha's; otherwise set the value where v2 reads it."),
    Rule("v1-never-read", W, "A name Sekha v1 never read (e.g. SEKHA_SERVER_PORT with one "
         "underscore): the running value was the default.", "Check the migrated value is the "
         "one you meant; v2 reads it now."),
    Rule("env-component", N, "Which Sekha program an environment file read without its "
         "service name is for, and the names that say so (a file holding names of several "
         "programs is split: each name to the program that reads it).", "Nothing to do when "
         "it is right; otherwise keep each program's names in its own file or service."),
    Rule("env-ambiguous-name", E, "A name no Sekha program reads as written that could be "
         "the setting of more than one (SEKHA__PORT beside controller and bridge names); it "
         "is not guessed.", "Spell it as its program reads it (SEKHA__SERVER_PORT for the "
         "controller, PORT for the bridge), or give each program its own file."),
    Rule("unset-variable", W, "A value refers to a variable set nowhere (not in the shell, "
         "nor earlier in its file), so it was read without it (info when that only leaves an "
         "optional value empty).", "Set the variable where "
         "the migration runs, as for the service, and run again."),
    Rule("home-config-not-included", W, "~/.sekha/config.* exists and overrode ./config.* in "
         "v1, but it is not part of this migration.", "Pass --include-home to migrate it too."),
    Rule("beside-v1-config", W, "The v2 config.yaml is written beside a config.toml that a v1 "
         "controller started there keeps reading.", "Stop the v1 controller, or move "
         "config.toml away once v2 runs."),
    Rule("replaces-v2", W, "The output is already a v2 file; the migration replaces it (after "
         "a backup).", "Use --output to write somewhere else, or --diff to compare."),
    Rule("not-carried", W, "A setting the target dialect has no place for; it is left out of "
         "the written file.", "Set it where that component reads it, or keep the source file."),
    Rule("secret-in-configmap", E, "migrate --emit k8s would write a key or a URL password "
         "into the ConfigMap (it refuses: keys go to the Secret).", "Give that value to the "
         "controller as its SEKHA__<KEY> variable from a Secret, and leave it out of the "
         "sources."),
    Rule("default-written", N, "A value the target dialect requires was filled in with its "
         "default.", "Nothing to do unless the default is not what you want."),
)

_PROBE = (
    Rule("provider-unreachable", E, "The provider's URL did not answer (refused, DNS, TLS).",
         "Start the provider or fix base_url; probe from where Sekha runs."),
    Rule("provider-timeout", E, "The provider did not answer within --timeout.",
         "Check the provider's load and network, or raise --timeout."),
    Rule("provider-auth-failed", E, "The provider refused the API key (401/403).",
         "Set a valid key in the variable api_key names."),
    Rule("provider-error", E, "The provider answered with an error or an unexpected body.",
         "Read the message; check base_url points at the provider's API."),
    Rule("provider-skipped", E, "The provider was not asked: a ${VAR} it needs is unset, or "
         "its circuit breaker opened.", "Set the variable (or --env-file), then probe again."),
    Rule("model-not-offered", E, "A configured model is not offered by its provider.",
         "Pull or enable the model (ollama pull NAME), or fix model_id."),
    Rule("dimension-mismatch", E, "An embedding model returns vectors of another dimension "
         "than the config says.", "Set dimension to the measured value (and rebuild the "
         "vector store if it was built with another)."),
    Rule("model-check-failed", E, "A model could not be checked (the request for it failed).",
         "Read the message; probe again once the provider answers."),
    Rule("probe-warning", W, "Something about a provider worth knowing that does not fail "
         "the probe.", "Read the message."),
    Rule("provider-not-probed", N, "A provider entry with errors was not probed.",
         "Fix the errors reported for the entry, then probe again."),
    Rule("default-breaker-used", N, "The routing section has errors, so the default circuit "
         "breaker settings were used.", "Fix the routing errors validate reports."),
    Rule("routing-not-computed", N, "Where each default model routes could not be worked out.",
         "Fix the errors validate reports for default_models and the providers."),
    Rule("chroma-dimension-mismatch", E, "Chroma holds vectors of another dimension than the "
         "embedding model makes: it would reject every memory stored and every search, and "
         "the controller would recall nothing.", "Keep an embedding model of the stored "
         "dimension, or re-embed the memories into a new collection before switching."),
    Rule("chroma-empty", N, "The controller's collection exists but holds no vector yet.",
         "Nothing to do: the first memory stored fixes its dimension."),
    Rule("chroma-no-collection", N, "Chroma has no 'conversations' collection yet.",
         "Nothing to do: the controller creates it with the first memory."),
    Rule("chroma-unreachable", E, "Chroma did not answer at chroma_url.", "Start Chroma, or "
         "give its address with --chroma-url; probe from where the controller runs."),
    Rule("chroma-auth-required", E, "Chroma refused the request without a valid token.",
         "Pass --chroma-token (or set CHROMA_TOKEN)."),
    Rule("chroma-not-chroma", E, "What answers at chroma_url is not a Chroma server.",
         "Point chroma_url at Chroma's HTTP port (8000)."),
    Rule("chroma-api-too-old", E, "Chroma speaks only the v1 API, which the controller no "
         "longer speaks (it uses v2, in Chroma from 0.5.16).", "Upgrade Chroma."),
    Rule("probe-compose", N, "What `sekha probe` of a compose file probed: which service's "
         "providers, which URLs --host-map rewrote, and which compose service names it probed "
         "as written.", "Nothing to do when it is what you meant."),
    Rule("probe-compose-unmapped", W, "A compose service name probed from outside the "
         "project's network as written: it may be unreachable for that reason alone.",
         "Pass --host-map NAME=HOST[:PORT] (its published port), or probe from inside the "
         "network."),
    Rule("usage-error", E, "The command line is wrong (reported in --format json documents).",
         "See `sekha probe --help`."),
)

# `sekha show`: what a component does with its effective configuration.
_SHOW = (
    Rule("would-not-start", E, "The component would refuse to start with this configuration "
         "(a file it cannot parse, a value its loader cannot read, a required setting "
         "missing).", "Fix the value the message names; `sekha show` says where it was set."),
    Rule("mount-missing", W, "A compose service mounts a file that does not exist beside the "
         "compose file; docker would mount an empty directory in its place.",
         "Create the file, or fix the path (it is relative to the compose file)."),
)

_ROLLBACK = (
    Rule("restore-failed", E, "A restore stopped part-way (a write failed); the files already "
         "restored are listed, the rest are untouched.", "Fix the cause the message names "
         "(disk space, permissions), then run sekha rollback again."),
    Rule("backup-refused", E, "No rollback was started: the set is damaged or unreadable, a "
         "link was planted in .sekha-backups/, no set matches, or another run holds the lock "
         "(reported in --format json documents).", "Fix what the message names, or pick "
         "another set by its ID (sekha rollback --list)."),
)

# A short file that draws the finding, for `sekha explain`; tests/test_explain.py validates
# each and checks that its code comes out.
EXAMPLES: dict[str, str] = {
    "configmap-no-config": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sekha\ndata:\n"
    "  LOG_LEVEL: debug   # no config.yaml or config.toml entry\n",
    "k8s-manifest": "apiVersion: v1\nkind: Service\nmetadata:\n  name: sekha\n",
    "helm-template": "data:\n  config.toml: |\n    [chroma]\n"
    "    url = \"{{ .Values.chromaUrl }}\"\n",
    "syntax": "llm_providers:\n  - id: ollama\n   type: ollama   # indented one space too few\n",
    "empty-document": "# nothing but comments\n",
    "not-a-mapping": "- version: \"2.0\"\n",
    "multiple-documents": "version: \"2.0\"\n---\nversion: \"2.0\"\n",
    "duplicate-key": "version: \"2.0\"\nversion: \"2.1\"\n",
    "non-string-key": "version: \"2.0\"\non: push\n",
    "complex-key": "version: \"2.0\"\n? [a, b]\n: c\n",
    "v1-config": "ollama_url: http://localhost:11434\nembedding_model: nomic-embed-text\n",
    "duplicate-provider-id": "llm_providers:\n  - {id: local, type: ollama, "
    "base_url: http://localhost:11434, priority: 1, models: []}\n  - {id: local, type: ollama, "
    "base_url: http://gpu:11434, priority: 2, models: []}\n",
    "unknown-default-model": "default_models:\n  embedding: nomic-embed-txt   # no provider "
    "offers this model_id\n",
    "url-scheme": "llm_providers:\n  - {id: local, type: ollama, base_url: localhost:11434, "
    "priority: 1, models: []}\n",
    "unresolved-variable": "llm_providers:\n  - id: openai\n    type: openai\n    base_url: "
    "https://api.openai.com/v1\n    api_key: ${OPENAI_API_KEY}   # not set here\n",
    "url-invalid": "llm_providers:\n  - id: local\n    type: ollama\n    base_url: http://[::1\n",
    "default-model-task": "llm_providers:\n  - id: local\n    type: ollama\n    base_url: "
    "http://localhost:11434\n    priority: 1\n    models:\n      - {model_id: llama3.1:8b, "
    "task: chat_small, context_window: 8192}\ndefault_models:\n  embedding: llama3.1:8b   "
    "# a chat model\n",
    "mcp-key-rejected": "SEKHA__MCP_API_KEY=\n",
    "other-component-key": "version: \"2.0\"\ncelery_broker_url: redis://redis:6379/0\n",
    "dialect-key": "llm_providers:\n  - {id: local, provider_type: ollama, "
    "base_url: http://localhost:11434, priority: 1, models: []}\n",
    "both-dialects": "providers: []\nllm_providers: []\n",
    "literal-placeholder": "version: \"2.0\"\ndatabase_url: ${DATABASE_URL}\n",
    "public-default-key": "version: \"2.0\"\nmcp_api_key: dev_default_key_change_me_1234567890\n",
    "env-json": "SEKHA__LLM_PROVIDERS=[{id: local}]\n",
    "env-syntax": "SEKHA__SERVER_PORT=8080\nthis line assigns nothing\n",
    "unknown-name": "SEKHA__SERVR_PORT=8080\n",
    "misplaced-key": "version: \"2.0\"\nauto_fallback: true\n",
    "unknown-key": "version: \"2.0\"\ntelemetry_backend: honeycomb\n",
    "literal-secret": "llm_providers:\n  - {id: openai, type: openai, base_url: "
    "https://api.openai.com/v1,\n     api_key: sk-abcdefghijklmnopqrstuvwxyz123456, priority: 1, "
    "models: []}\n",
    "insecure-transport": "llm_providers:\n  - id: remote\n    type: openai\n    base_url: "
    "http://llm.example.com/v1\n    api_key: ${REMOTE_KEY}\n",
    "missing-version": "llm_providers: []\n",
    "unused-suppression": "version: \"2.0\"  # sekha: ignore[unknown-key]\n",
}


def example_for(code: str) -> str:
    """A short file that draws the finding, or "" when the registry has none."""
    return EXAMPLES.get(code, "")


# The registry, by the command whose own checks report the code (validate's codes also come
# out of migrate and probe, which validate what they read and write).
SECTIONS: dict[str, tuple[Rule, ...]] = {
    "validate": (*_VALIDATE, *_DEPLOYMENT), "migrate": _MIGRATE, "probe": _PROBE, "show": _SHOW,
    "rollback": _ROLLBACK,
}
RULES: dict[str, Rule] = {rule.code: rule for rules in SECTIONS.values() for rule in rules}
SCHEMA_PREFIX = "schema-"


def rule_for(code: str) -> Rule:
    """The rule behind a finding code; any `schema-<keyword>` is described generically."""
    known = RULES.get(code)
    if known is not None:
        return known
    if code.startswith(SCHEMA_PREFIX):
        keyword = code[len(SCHEMA_PREFIX):]
        return Rule(code, E, f"The value breaks the v2 schema's '{keyword}' rule.",
                    "Change the value as the message says; `sekha schema` prints the schema.")
    return Rule(code, W, f"Finding '{code}'.", "See the message.")


def command_for(code: str) -> str:
    """The command whose own checks report the code (validate for the schema family)."""
    for command, rules in SECTIONS.items():
        if any(rule.code == code for rule in rules):
            return command
    return "validate"


def explanation(code: str) -> dict[str, str]:
    """What `sekha explain` says about a code: its registry entry with an example."""
    rule = rule_for(code)
    return {
        "code": rule.code,
        "severity": rule.severity.value,
        "command": command_for(code),
        "description": rule.description,
        "example": example_for(code),
        "fix": rule.help,
        "help_uri": help_uri(code),
    }


def help_uri(code: str) -> str:
    """The code's own docs page (one page for the whole schema-<keyword> family)."""
    page = "schema-keyword" if code.startswith(SCHEMA_PREFIX) and code not in RULES else code
    return f"{PROJECT_URL}/blob/main/docs/codes/{page}.md"


def is_registered(code: str) -> bool:
    """True for a code with its own entry or of the `schema-<keyword>` family."""
    return code in RULES or code.startswith(SCHEMA_PREFIX)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(link: Callable[[str], str] | None = None) -> str:
    """The table of codes, one section per command, from the registry alone; `link` gives
    each code's page, when the table links to them."""

    def name(code: str) -> str:
        return f"[`{code}`]({link(code)})" if link else f"`{code}`"

    lines: list[str] = []
    for command, rules in SECTIONS.items():
        lines += [f"**{command}**", "", "| code | severity | what it means | what fixes it |",
                  "|---|---|---|---|"]
        lines += [
            f"| {name(r.code)} | {r.severity.value} | {_cell(r.description)} | {_cell(r.help)} |"
            for r in rules
        ]
        if command == "validate":
            schema = rule_for(f"{SCHEMA_PREFIX}<keyword>")
            lines.append(f"| {name(schema.code)} | {schema.severity.value} | "
                         f"{_cell(schema.description)} | {_cell(schema.help)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args != ["--markdown"]:
        sys.stderr.write("usage: python -m sekha_migrate.validate.rules --markdown\n")
        return 2
    sys.stdout.write(markdown_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
