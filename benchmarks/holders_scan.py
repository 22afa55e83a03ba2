"""Figure 7: `rotui holders` over a 50,000-file tree (~500 MB) against ripgrep on the same tree.

ripgrep is Debian's ``ripgrep`` package; the full run installs it with apt-get when it is
missing (the --quick smoke run inside the tests never installs anything: it reports SKIP).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from benchmarks.harness import (
    Row,
    Sample,
    Scale,
    Stats,
    compare,
    fresh_dir,
    isolated_env,
    python,
    run_child,
    verdict,
)

GOAL_RATIO = 3.0
GOAL_GROWTH_MB = 20.0
PLANTED = 5
METHOD = (
    "`python -m rotui --config X holders --json` as a child (only the file source: `[holders] "
    "paths = [TREE]`, every other source off) against `rg -c sk-ant- TREE` (Debian's ripgrep, "
    "all cores) on the same generated tree of N text files of ~10 kB in 100 folders with 5 keys "
    "planted, alternated run by run with the page cache warm; peak RSS of rotui's child on the "
    "full tree against a tree a tenth its size."
)


def _key(label: str) -> str:
    body = hashlib.sha256(label.encode()).hexdigest() * 2
    return "sk-ant-api03-" + body[:93] + "AA"


def make_tree(root: Path, files: int, size: int) -> list[str]:
    """``files`` text files of ``size`` bytes (dotenv-like lines), ``PLANTED`` keys among them."""
    planted = [_key(f"bench-{n}") for n in range(PLANTED)]
    line = b"SETTING_%06d=value-%06d-abcdefghijklmnopqrstuvwxyz0123456789\n"
    block = b"".join(line % (i, i) for i in range(size // len(line % (0, 0)) + 1))[:size]
    step = max(files // PLANTED, 1)
    for n in range(files):
        folder = root / f"d{n % 100:02d}"
        if n < 100:
            folder.mkdir(parents=True, exist_ok=True)
        data = block
        if n % step == 0 and n // step < PLANTED:
            data = (
                block[: size // 2] + f"\nKEY={planted[n // step]}\n".encode() + block[size // 2 :]
            )
        (folder / f"f{n:06d}.env").write_bytes(data)
    return planted


def ripgrep(quick: bool) -> str | None:
    """The rg binary; the full run installs Debian's ripgrep when it is missing."""
    found = shutil.which("rg")
    if found or quick:
        return found
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "ripgrep"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return shutil.which("rg")


def config(path: Path, tree: Path) -> Path:
    path.write_text(
        f'[holders]\npaths = ["{tree}"]\nheroku = false\ninfisical = false\ngithub = false\n'
        f'shell = false\ntimeout_seconds = 3600\n\n[[keys]]\nname = "K"\nsource = "env:K"\n'
    )
    return path


def run(scale: Scale, work: Path) -> list[Row]:
    files = 200 if scale.quick else 50_000
    size = 2_000 if scale.quick else 10_000
    tree, small = work / "tree", work / "tree-tenth"
    planted = make_tree(tree, files, size)
    make_tree(small, files // 10, size)
    rg = ripgrep(scale.quick)
    env = isolated_env(fresh_dir(work, "env-"))
    env["K"] = planted[0]  # the managed key's current value: one holder, four unknown keys
    configs = {t: config(work / f"{t.name}.toml", t) for t in (tree, small)}

    def ours(where: Path) -> Sample:
        argv = [python(), "-m", "rotui", "--config", str(configs[where]), "holders", "--json"]
        done = run_child(argv, env, timeout=1800)
        if done.returncode not in (0, 1) or b'"findings"' not in done.stdout:
            raise RuntimeError(
                f"rotui holders failed: {done.stderr.decode(errors='replace')[-300:]}"
            )
        if where == tree and done.stdout.count(b'"hint"') != PLANTED:
            raise RuntimeError("rotui holders did not find every planted key")
        if any(key.encode() in done.stdout + done.stderr for key in planted):
            raise RuntimeError("rotui holders printed a value")
        return {"wall": done.wall, "rss": done.peak_rss_kib * 1024 / 1e6}

    def theirs() -> Sample:
        assert rg is not None
        done = run_child([rg, "-c", "--no-messages", "sk-ant-", str(tree)], env, timeout=1800)
        if done.stdout.count(b"\n") != PLANTED:
            raise RuntimeError("rg did not count every planted key")
        return {"wall": done.wall}

    title = f"7 rotui holders, {files:,} files ({files * size / 1e6:.0f} MB)"
    if rg is None:
        return [
            Row(
                title,
                "s",
                None,
                "rg -c",
                None,
                "—",
                f"≤ {GOAL_RATIO:g}× rg",
                "SKIP",
                ("ripgrep is not installed (the full run installs Debian's ripgrep)",),
            )
        ]
    a, b = compare(scale, lambda: ours(tree), theirs)
    tenth, _ = compare(scale, lambda: ours(small), lambda: {"wall": 0.0})
    ratio = a["wall"].median / b["wall"].median
    growth = a["rss"].median - tenth["rss"].median
    return [
        Row(
            title,
            "s",
            a["wall"],
            "rg -c sk-ant- (same tree)",
            b["wall"],
            f"{ratio:.1f}×",
            f"≤ {GOAL_RATIO:g}× rg",
            verdict(ratio <= GOAL_RATIO),
            (
                f"{os.cpu_count()} cores, shared; rg and rotui (a child per core) both use all of them",
            ),
        ),
        Row(
            f"7 rotui holders peak RSS, {files:,} vs {files // 10:,} files",
            "MB",
            a["rss"],
            f"the same on {files // 10:,} files",
            tenth["rss"],
            f"{growth:+.1f} MB",
            f"grows < {GOAL_GROWTH_MB:g} MB",
            verdict(growth < GOAL_GROWTH_MB),
        ),
    ]


__all__ = ["METHOD", "Stats", "run"]
