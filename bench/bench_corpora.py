"""`sekha validate` next to check-jsonschema and ajv-cli on four corpora of distinct files.

    pip install -e '.[bench]'          # check-jsonschema
    npm install --prefix /tmp/ajv ajv-cli@5 ajv-formats   # optional, outside the repository
    python bench/bench_corpora.py [--runs 5] [--ajv /tmp/ajv/node_modules/.bin/ajv]
    python bench/bench_corpora.py --keep DIR   # only write the corpora, to time them otherwise

The corpora (generated, seeded, so every run sees the same bytes):
  small   one small file (the upstream docker example, a key filled in)
  many    500 distinct small files (1 to 4 providers of four kinds, their own ids, ports,
          models and comments), one of them invalid
  shapes  20 files in the shapes people write: block and flow style, JSON, anchors and merge
          keys, CRLF with a BOM, comment-heavy
  large   one 10 MB file (thousands of providers)
Each tool runs on each corpus in turn (A B C A B C ...), so machine drift hits all alike.
Figures are CPU seconds (user + system of the finished child and the workers it waited for,
from os.wait4), wall seconds and the peak resident memory of its largest process, medians
over the runs; the ratio (of CPU) is against check-jsonschema, which gets the reference schema
it would be given in practice. `sekha validate` runs cold (--no-cache) and, for the many-file
corpus, also in one process (SEKHA_MIGRATE_JOBS=1: validate forks a worker when the files'
bytes pay for it, which adds a little CPU and takes wall time off where a second processor is
free) and warm (its result cache filled by a previous run). Last, the CPU of
`sekha migrate --dry-run` on the v1 example.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SCHEMA = ROOT / "fixtures" / "reference" / "sekha-config-schema.json"
EXAMPLE = ROOT / "fixtures" / "reference" / "docker-config.yaml.example"
V1_EXAMPLE = ROOT / "fixtures" / "examples" / "v1-basic"
# Installed tools run with their bytecode cached; PYTHONDONTWRITEBYTECODE=1 would time
# compiling the sources instead.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

KINDS = {
    "ollama": ("http://{host}:{port}", ["nomic-embed-text", "llama3.1:8b", "qwen2.5:7b"]),
    "openai": ("https://api.openai.com/v1", ["text-embedding-3-small", "gpt-4o-mini", "gpt-4o"]),
    "anthropic": ("https://api.anthropic.com", ["claude-3-5-haiku", "claude-3-5-sonnet"]),
    "openrouter": ("https://openrouter.ai/api/v1", ["meta-llama/llama-3.1-8b", "gpt-4o"]),
}


def config(rng: random.Random, index: int, providers: int | None = None) -> dict[str, object]:
    """One valid docker-dialect document; `index` makes its ids and values its own."""
    count = providers or rng.randint(1, 4)
    entries: list[dict[str, object]] = []
    for number in range(count):
        kind = "ollama" if number == 0 else rng.choice(list(KINDS))
        url, models = KINDS[kind]
        provider: dict[str, object] = {
            "id": f"{kind}_{index}_{number}",
            "type": kind,
            "base_url": url.format(host=f"gpu{index % 97}.internal", port=11434 + number),
            "priority": number + 1,
            "timeout": rng.choice([30, 60, 120]),
            "models": [],
        }
        if kind != "ollama":
            provider["api_key"] = "${" + f"{kind.upper()}_API_KEY" + "}"
        model_list: list[dict[str, object]] = []
        if number == 0:
            model_list.append({"model_id": "nomic-embed-text", "task": "embedding",
                               "context_window": 8192, "dimension": 768})
        for model in rng.sample(models, k=min(2, len(models))):
            model_list.append({"model_id": model, "task": rng.choice(["chat_small", "chat_smart"]),
                               "context_window": rng.choice([8192, 32768, 128000])})
        provider["models"] = model_list
        entries.append(provider)
    chat = next(m["model_id"] for m in entries[0]["models"][1:])  # type: ignore[index]
    return {
        "version": "2.0",
        "server_port": 8080 + index % 1000,
        "llm_providers": entries,
        "default_models": {"embedding": "nomic-embed-text", "chat_fast": chat,
                           "chat_smart": chat},
        "routing": {"auto_fallback": rng.random() < 0.5, "max_cost_per_request": 0.5},
    }


def block_yaml(document: dict[str, object], comments: int = 1) -> str:
    """YAML as people write it: block style, a comment above each provider."""
    import yaml

    lines: list[str] = [f"# Sekha config generated for the benchmark ({comments} comment lines)"]
    lines += [f"# note {n}: see https://sekha.ai/docs/config" for n in range(comments - 1)]
    text = yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
    for line in text.splitlines():
        if line.startswith("- id:") or line.startswith("  - id:"):
            lines.append(line[: len(line) - len(line.lstrip())] + "# a provider")
        lines.append(line)
    return "\n".join(lines) + "\n"


def shapes(rng: random.Random) -> list[tuple[str, bytes]]:
    import yaml

    styles: list[Callable[[dict[str, object]], tuple[str, bytes]]] = [
        lambda d: (".yaml", block_yaml(d, comments=3).encode()),
        lambda d: (".yaml", yaml.safe_dump(d, default_flow_style=True, width=100).encode()),
        lambda d: (".json", json.dumps(d, indent=2).encode()),
        lambda d: (".yaml", b"\xef\xbb\xbf" + block_yaml(d).replace("\n", "\r\n").encode()),
        lambda d: (".yaml", block_yaml(d, comments=40).encode()),
    ]
    files = []
    for index in range(15):
        files.append(styles[index % len(styles)](config(rng, 2000 + index)))
    for fixture in sorted((ROOT / "fixtures" / "v2" / "valid").glob("*.y*ml"))[:5]:
        files.append((fixture.suffix, fixture.read_bytes()))  # anchors, merge keys, ${VAR}
    return files


def write_corpora(directory: Path) -> dict[str, list[str]]:
    rng = random.Random(18)
    corpora: dict[str, list[str]] = {}
    small = directory / "small"
    small.mkdir()
    example = EXAMPLE.read_text(encoding="utf-8").replace("${SEKHA_API_KEY}", "k" * 40)
    (small / "config.yaml").write_text(example, encoding="utf-8")
    corpora["small"] = [str(small / "config.yaml")]

    many = directory / "many"
    many.mkdir()
    for index in range(500):
        text = block_yaml(config(rng, index), comments=rng.randint(1, 12))
        if index == 250:
            text = text.replace("priority: 1\n", "priority: high\n", 1)  # the one bad file
        (many / f"config-{index:03d}.yaml").write_text(text, encoding="utf-8")
    corpora["many"] = sorted(str(p) for p in many.iterdir())

    shaped = directory / "shapes"
    shaped.mkdir()
    for index, (suffix, data) in enumerate(shapes(rng)):
        (shaped / f"shape-{index:02d}{suffix}").write_bytes(data)
    corpora["shapes"] = sorted(str(p) for p in shaped.iterdir())

    large = directory / "large"
    large.mkdir()
    document = config(rng, 0, providers=1)
    providers = document["llm_providers"]
    assert isinstance(providers, list)
    sample = len(block_yaml(document))
    index = 1
    while len(providers) < 200:  # measure what a provider costs, then add as many as fit
        providers.extend(config(rng, index, providers=4)["llm_providers"][1:])  # type: ignore[index]
        index += 1
    per_provider = (len(block_yaml(document)) - sample) / (len(providers) - 1)
    while len(providers) < 10_000_000 / per_provider:
        providers.extend(config(rng, index, providers=4)["llm_providers"][1:])  # type: ignore[index]
        index += 1
    for number, provider in enumerate(providers):
        provider["priority"] = number % 100 + 1  # the schema allows 1 to 100
    text = block_yaml(document)
    (large / "config.yaml").write_text(text, encoding="utf-8")
    corpora["large"] = [str(large / "config.yaml")]
    return corpora


def measure(command: list[str], cwd: Path) -> tuple[float, float, float, int]:
    """CPU seconds (its workers' included), wall seconds, peak MiB (of its largest process)
    and exit code of one run of `command`; a leading NAME=VALUE sets a variable for it."""
    env = dict(ENV)
    while command and "=" in command[0]:
        name, value = command[0].split("=", 1)
        env[name], command = value, command[1:]
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=null, stderr=null)
        _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return (usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024,
            process.returncode)


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each tool per corpus")
    parser.add_argument("--ajv", help="ajv-cli's executable (default: ajv on the PATH)")
    parser.add_argument("--keep", type=Path, help="write the corpora into this directory, exit")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name, files in write_corpora(args.keep).items():
            print(f"{name}: {len(files)} files in {args.keep / name}")
        return
    sekha, check = _tool("sekha"), _tool("check-jsonschema")
    if not sekha or not check:
        sys.exit("sekha and check-jsonschema must be installed: pip install -e '.[bench]'")
    ajv = args.ajv or shutil.which("ajv")
    if not shutil.which("node"):
        ajv = None
    with tempfile.TemporaryDirectory() as tmp:
        # Written by a child: a child's peak memory counts what it shared with this process
        # when it was forked, so this process stays small.
        subprocess.run([sys.executable, __file__, "--keep", tmp], check=True,
                       stdout=subprocess.DEVNULL)
        corpora = {name: sorted(str(p) for p in (Path(tmp) / name).iterdir())
                   for name in ("small", "many", "shapes", "large")}
        print(f"{'corpus':<8} {'tool':<26} {'cpu s':>8} {'wall s':>8} {'peak MiB':>9} "
              f"{'ratio':>7}")
        for name, files in corpora.items():
            where = Path(files[0]).parent
            tools = {
                "sekha validate": [sekha, "validate", "--quiet", "--no-cache", *files],
                "check-jsonschema": [check, "--schemafile", str(REFERENCE_SCHEMA), *files],
            }
            if name == "many":
                tools["sekha validate (1 process)"] = [
                    "SEKHA_MIGRATE_JOBS=1", sekha, "validate", "--quiet", "--no-cache", *files]
                tools["sekha validate (warm)"] = [sekha, "validate", "--quiet", *files]
                measure(tools["sekha validate (warm)"], where)  # fill the cache
            if ajv:
                data = [part for f in files for part in ("-d", f)]
                tools["ajv-cli"] = [ajv, "validate", "-s", str(REFERENCE_SCHEMA), "-c",
                                    "ajv-formats", "--spec=draft7", *data]
            samples: dict[str, list[tuple[float, float, float]]] = {t: [] for t in tools}
            for _ in range(args.runs):
                for tool, command in tools.items():
                    cpu, wall, peak, _code = measure(command, where)
                    samples[tool].append((cpu, wall, peak))
            base = statistics.median(cpu for cpu, _, _ in samples["check-jsonschema"])
            for tool, values in samples.items():
                cpu, wall, peak = (statistics.median(v[i] for v in values) for i in range(3))
                print(f"{name:<8} {tool:<26} {cpu:>8.3f} {wall:>8.3f} {peak:>9.1f} "
                      f"{cpu / base:>7.3f}")
        migrate = [sekha, "migrate", "--dry-run", "--no-env", "--dir", str(V1_EXAMPLE)]
        cpus = [measure(migrate, Path(tmp))[0] for _ in range(args.runs)]
        print(f"migrate --dry-run (v1 example): {statistics.median(cpus):.3f} s CPU")


if __name__ == "__main__":
    main()
