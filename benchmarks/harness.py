"""What every benchmark shares: sizes, repeated paired measurement, child processes, isolation."""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
LEAKY_VARS = ("ROTUI_CONFIG", "ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY", "ANTHROPIC_BASE_URL")
# Children measure a warm install: bytecode is cached (in the run's temp dir, not the repo).
BYTECODE_VARS = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")

Sample = dict[str, float]
_shared_pycache: list[Path] = []  # one bytecode cache for every child of this run


@dataclass(frozen=True)
class Scale:
    """How big and how often: the full run for results.md, or --quick for the smoke test."""

    quick: bool
    runs: int
    warmups: int
    status_keys: int
    validate_keys: int
    latency: float
    concurrency: int
    dashboard_keys: int
    consumers: int
    stall_keys: int
    keyring_delay: float
    memory_small: int
    memory_large: int
    inventory_keys: int = 10_000  # issue 17: an organisation's inventory
    inventory_small: int = 1_000
    inventory_fragments: int = 10
    inventory_concurrency: int = 50

    @classmethod
    def full(cls, runs: int = 5) -> Scale:
        return cls(
            quick=False,
            runs=runs,
            warmups=1,
            status_keys=200,
            validate_keys=200,
            latency=0.1,
            concurrency=20,
            dashboard_keys=500,
            consumers=4,
            stall_keys=200,
            keyring_delay=0.3,
            memory_small=200,
            memory_large=2000,
        )

    @classmethod
    def tiny(cls) -> Scale:
        return cls(
            quick=True,
            runs=1,
            warmups=0,
            status_keys=10,
            validate_keys=20,
            latency=0.02,
            concurrency=5,
            dashboard_keys=20,
            consumers=2,
            stall_keys=10,
            keyring_delay=0.05,
            memory_small=10,
            memory_large=40,
            inventory_keys=60,
            inventory_small=20,
            inventory_fragments=3,
            inventory_concurrency=10,
        )


@dataclass(frozen=True)
class Stats:
    """Min, median and max of the measured runs (warm-ups excluded)."""

    samples: tuple[float, ...]
    computed: bool = False  # a limit worked out from the inputs, not a measurement

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    @classmethod
    def constant(cls, value: float) -> Stats:
        return cls((value,), computed=True)


@dataclass(frozen=True)
class Row:
    """One line of the results table: a figure, its reference, how they compare and the verdict."""

    figure: str
    unit: str  # "s", "ms" or "MB": how both columns are shown
    measured: Stats | None
    reference_name: str
    reference: Stats | None
    comparison: str  # "2.7×", "+3.1 MB", "—"
    goal: str
    verdict: str  # PASS, MISS, SKIP, TODO or ERROR
    notes: tuple[str, ...] = field(default=())


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def compare(
    scale: Scale,
    measured: Callable[[], Sample],
    reference: Callable[[], Sample],
    *,
    reference_warmup: Callable[[], object] | None = None,
) -> tuple[dict[str, Stats], dict[str, Stats]]:
    """Warm both up, then alternate them run by run, so drift on the host hits both alike.

    Garbage is collected before each run, so no run pays for the cycles an earlier one left.
    """
    for _ in range(scale.warmups):
        measured()
        (reference_warmup or reference)()
    ours: list[Sample] = []
    theirs: list[Sample] = []
    for _ in range(scale.runs):
        gc.collect()
        ours.append(measured())
        gc.collect()
        theirs.append(reference())
    return _stats(ours), _stats(theirs)


def _stats(samples: Sequence[Sample]) -> dict[str, Stats]:
    return {name: Stats(tuple(s[name] for s in samples)) for name in samples[0]}


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall time from spawn to reaped, its own peak RSS and output."""

    wall: float
    peak_rss_kib: int
    returncode: int
    stdout: bytes
    stderr: bytes

    def check(self, what: str) -> ChildRun:
        if self.returncode != 0:
            tail = self.stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"{what} exited {self.returncode}: " + " | ".join(tail))
        return self


# Linux floors a child's ru_maxrss at its parent's peak RSS (the forked address space counts
# until exec), and this process grows large. So a bare interpreter (-I -S: no site, no imports
# beyond these) spawns and reaps each measured child: its own few MB are the only floor.
_SPAWNER = """
import json, os, signal, sys, time
out, err, timeout, argv = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
actions = [
    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
    (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
signal.alarm(timeout)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"wall": wall, "maxrss_kib": usage.ru_maxrss, "returncode": code}))
"""


def run_child(argv: Sequence[str], env: Mapping[str, str], timeout: int = 300) -> ChildRun:
    """Run a child to completion; wall time and peak RSS (``ru_maxrss``, KiB) are its alone.

    Output goes to temporary files so a chatty child never blocks.
    """
    with tempfile.TemporaryDirectory(prefix="child-") as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        program = shutil.which(argv[0], path=env.get("PATH")) or argv[0]
        spawner = [sys.executable, "-I", "-S", "-c", _SPAWNER, str(out), str(err), str(timeout)]
        done = subprocess.run(
            [*spawner, program, *argv[1:]],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout + 30,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the spawner failed: {done.stderr.decode(errors='replace')[-500:]}")
        report = json.loads(done.stdout)
        return ChildRun(
            wall=report["wall"],
            peak_rss_kib=report["maxrss_kib"],
            returncode=report["returncode"],
            stdout=out.read_bytes(),
            stderr=err.read_bytes(),
        )


def isolated_env(root: Path) -> dict[str, str]:
    """The environment for everything a benchmark runs: temporary HOME and XDG dirs, no proxies.

    The keyring backend is the failing one, so nothing can reach the user's real keyring.
    Bytecode is written under ``root`` so the warm-up compiles once and no run pays for it.
    """
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS + LEAKY_VARS + BYTECODE_VARS}
    home = root / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["HOME"] = str(home)
    env["PYTHONPYCACHEPREFIX"] = str(_shared_pycache[0] if _shared_pycache else root / "pycache")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


def share_bytecode_cache(path: Path) -> None:
    """Make every later child use one bytecode cache, so each module compiles once per run."""
    _shared_pycache[:] = [path]


def python() -> str:
    """The interpreter running the benchmarks; children and the reference use the same one."""
    return sys.executable


def fresh_dir(parent: Path, prefix: str) -> Path:
    """A new empty directory for one run, so no run inherits another's state or audit log."""
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def validate_child(
    config: Path, work: Path, values: Mapping[str, str], count: int, timeout: int = 300
) -> Sample:
    """``rotui validate --json`` of the first ``count`` keys as a child: its wall time and peak RSS.

    Each run gets a fresh state directory (no run inherits another's state or audit log) and
    reads the keys from env: sources (fake values only); every key must come back valid.
    """
    env = isolated_env(fresh_dir(work, f"run-{count}-"))
    env.update(list(values.items())[:count])
    argv = [python(), "-m", "rotui", "--config", str(config), "validate", "--json"]
    done = run_child(argv, env, timeout=timeout).check(f"rotui validate ({count} keys)")
    document = json.loads(done.stdout)
    if len(document["results"]) != count or not document["all_valid"]:
        raise RuntimeError(f"rotui validate ({count} keys) did not validate every key")
    return {"rss": done.peak_rss_kib * 1024 / 1e6, "wall": done.wall}


def limit_row(figure: str, wall: Stats, limit: float, limit_name: str, goal: float) -> Row:
    """A wall time against a limit computed from the inputs: the ratio, at most ``goal``."""
    ratio = wall.median / limit
    return Row(
        figure=figure,
        unit="s",
        measured=wall,
        reference_name=limit_name,
        reference=Stats.constant(limit),
        comparison=f"{ratio:.2f}×",
        goal=f"≤ {goal:g}×",
        verdict=verdict(ratio <= goal),
    )


def growth_row(
    figure: str,
    ours: Stats,
    theirs: Stats,
    reference_name: str,
    goal_mb: float,
    notes: tuple[str, ...] = (),
) -> Row:
    """Peak RSS against the same run on a smaller input: the growth, under ``goal_mb``."""
    growth = ours.median - theirs.median
    return Row(
        figure=figure,
        unit="MB",
        measured=ours,
        reference_name=reference_name,
        reference=theirs,
        comparison=f"{growth:+.1f} MB",
        goal=f"grows < {goal_mb:g} MB",
        verdict=verdict(growth < goal_mb),
        notes=notes,
    )
