"""The CLI as a shell user meets it: closed pipes, options after the subcommand, usage errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.world import KEY, NEW, World
from tests.support.tmux import rotui_command


def rotate_once(world: World) -> str:
    """A completed headless rotation: audit entries and a run to report on; returns its id."""
    done = world.rotui(
        "rotate", KEY, "--headless", "--confirm-manual", "--revoke", stdin=NEW + "\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [started] = [line for line in done.stdout.splitlines() if line.startswith("started run ")]
    return started.split()[2]  # "started run <id> for <key>"


def into_closed_pipe(world: World, *args: str) -> tuple[int, str]:
    """Run rotui with stdout a pipe whose reader has already gone (``| head`` after its line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [*rotui_command(), *args],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=world.env,
            timeout=120,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


def crash_logs(world: World) -> list[Path]:
    return sorted((world.root / "home").rglob("crash-*.log"))


def test_a_closed_pipe_ends_every_printing_command_quietly(world: World) -> None:
    run_id = rotate_once(world)
    for args in (
        ["audit"],
        ["audit", "--key", KEY],
        ["audit", "--json"],
        ["report", run_id],
        ["rotate", KEY, "--dry-run"],
        ["status"],
        ["status", "--json"],
    ):
        code, stderr = into_closed_pipe(world, *args)
        assert code == 141, (args, code, stderr)  # 128 + SIGPIPE, as `yes | head -1` reports
        assert "internal error" not in stderr and "BrokenPipe" not in stderr, (args, stderr)
        assert "Traceback" not in stderr and "Exception ignored" not in stderr, (args, stderr)
    assert crash_logs(world) == []


def test_global_options_after_the_subcommand(world: World, tmp_path: Path) -> None:
    env = {k: v for k, v in world.env.items() if k != "ROTUI_CONFIG"}
    config = str(world.config)
    for args in (
        ["status", "--config", config],
        ["check", "--json", "--config", config],
        ["audit", "--key", KEY, "--config", config],
        ["--config", str(tmp_path / "elsewhere.toml"), "status", "--config", config],
    ):
        done = world.rotui(*args, env=env)
        assert done.returncode in (0, 1), (args, done.stderr)  # check: 1 = a key is due
        assert "unrecognized arguments" not in done.stderr
        assert KEY in done.stdout or args[0] == "audit", (args, done.stdout)
    missing = world.rotui("status", "--config", str(tmp_path / "nope.toml"), env=env)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_report_of_an_unknown_run_is_a_usage_error(world: World) -> None:
    done = world.rotui("report", "nope")
    assert done.returncode == 2, done.stderr
    assert "no run 'nope'" in done.stderr and "no run has been recorded yet" in done.stderr
    run_id = rotate_once(world)
    done = world.rotui("report", "../runs/" + run_id)
    assert done.returncode == 2 and f"recent runs: {run_id}" in done.stderr
    assert crash_logs(world) == []


def test_audit_of_an_unknown_key_is_a_usage_error(world: World) -> None:
    done = world.rotui("audit", "--key", "NOPE")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "unknown key 'NOPE'" in done.stderr and KEY in done.stderr
    assert done.stdout == ""


def test_a_wrong_confirmation_is_named_as_the_reason(world: World) -> None:
    done = world.rotui(
        "revoke", KEY, "--headless", "--mode", "now", "--confirm", "ANTHROPIC_API_KEY_PROD"
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"--confirm ANTHROPIC_API_KEY_PROD does not match the key's name {KEY}" in done.stderr
    assert world.final_state()["old_status"] == "active"  # nothing was revoked
