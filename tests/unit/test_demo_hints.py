"""What the demo tells an operator to type works as typed and acts on the demo (walk s13 2.1,
2.2): `rotui` is not on PATH after `make demo`, and `rotui rotate NAME` acts on the user's own
configuration, not the demo's."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rotui.core.troubleshoot import FLOWS, run_flow
from rotui.demo import pairing
from rotui.demo.frozen import FROZEN_COMMAND
from rotui.demo.hints import DemoHints, demo_hints, rotui_command
from tests.ui.helpers import demo_services

VENV_ROTUI = Path(sys.executable).parent / "rotui"
needs_script = pytest.mark.skipif(not VENV_ROTUI.is_file(), reason="needs the venv's rotui script")


def typed(command: str, cwd: Path, path: str) -> subprocess.CompletedProcess[str]:
    """``command --version`` typed into a shell in another directory, with ``path`` as PATH."""
    env = {**os.environ, "PATH": path}
    return subprocess.run(["bash", "-c", f"{command} --version"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@needs_script
def test_the_rotui_started_by_make_demo_is_named_by_a_path_that_works_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = VENV_ROTUI.parent.parent.parent
    monkeypatch.chdir(checkout)
    path = "/usr/bin:/bin"  # no venv on it: `rotui` alone is "command not found"
    assert typed("rotui", tmp_path, path).returncode == 127
    command = rotui_command(".venv/bin/rotui", path=path)
    assert command != "rotui" and not command.startswith(".venv")
    done = typed(command, tmp_path, path)
    assert done.returncode == 0 and done.stdout.startswith("rotui "), (command, done.stderr)


@needs_script
def test_rotui_alone_when_it_is_the_one_on_path(tmp_path: Path) -> None:
    path = f"{VENV_ROTUI.parent}:/usr/bin:/bin"
    assert rotui_command(str(VENV_ROTUI), path=path) == "rotui"
    assert rotui_command("rotui", path=path) == "rotui"


def test_python_m_rotui_is_named_with_its_interpreter(tmp_path: Path) -> None:
    command = rotui_command(str(Path(pairing.__file__).parent.parent / "__main__.py"))
    assert command.endswith(" -m rotui")
    done = typed(command, tmp_path, "/usr/bin:/bin")
    assert done.returncode == 0 and done.stdout.startswith("rotui "), done.stderr


def test_under_the_home_directory_the_path_is_shortened_with_a_tilde(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    script = tmp_path / "src" / "rotui" / ".venv" / "bin" / "rotui"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\necho rotui 9\n")
    script.chmod(0o755)
    command = rotui_command(str(script), path="/usr/bin:/bin")
    assert command == "~/src/rotui/.venv/bin/rotui"
    assert typed(command, Path("/"), "/usr/bin:/bin").stdout == "rotui 9\n"
    spaced = tmp_path / "my src" / "rotui"
    spaced.parent.mkdir()
    spaced.write_bytes(script.read_bytes())
    spaced.chmod(0o755)
    assert typed(rotui_command(str(spaced), path="/usr/bin:/bin"), Path("/"), "/bin").stdout == "rotui 9\n"


def test_the_pairing_toast_names_the_command_as_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pairing, "_announced", pairing.RunningDemo(Path("/x"), 1))
    monkeypatch.setattr("rotui.demo.hints.rotui_command", lambda: "~/co/.venv/bin/rotui")
    assert pairing.pairing_hint() == (
        "Another terminal follows this demo with: ~/co/.venv/bin/rotui demo --read-only "
        "· Esc hides this"
    )


@pytest.mark.parametrize(
    ("said", "demo_way"),
    [
        ("rotate to a new key (`rotui rotate K`, r on the dashboard)", "rotate to a new key (r on the dashboard)"),
        ("If you suspect a leak: `rotui revoke K` (x on the dashboard)", "If you suspect a leak: x on the dashboard"),
        ("Then check again: `rotui validate K`", "Then check again: v on the dashboard"),
        ("as soon as you can (x on the dashboard, or `rotui revoke K`).", "as soon as you can (x on the dashboard)."),
        ("`rotui status` lists them", "`R demo status` lists them"),
        ("`rotui runs` lists the runs", "`R demo runs` lists the runs"),
        ("start one with `rotui demo` in another terminal", "start one with `R demo` in another terminal"),
        ("`rotui doctor K --flow workspace` compares it", "t on the dashboard, then “Wrong workspace or different rate limits” compares it"),
        ("Roll back: `rotui rotate K --rollback` puts", "Roll back: b in the rotation wizard puts"),
        ("has credit: `rotui validate K --ping` does", "has credit: `R validate K --ping` (with your own configuration) does"),
        ("Store it: `rotui key set K`", "Store it: `R key set K` (with your own configuration)"),
        ("no command here, rotui alone", "no command here, rotui alone"),
    ],
)  # fmt: skip
def test_each_kind_of_command_the_demos_way(said: str, demo_way: str) -> None:
    assert demo_hints("R")(said) == demo_way


def test_every_next_step_of_every_check_in_the_demo_is_the_demos(tmp_path: Path) -> None:
    """Each flow on each demo key: no command left that acts on the user's configuration."""
    with demo_services(tmp_path / "demo") as demo:
        say = demo.services.hints
        assert isinstance(say, DemoHints)
        texts, steps = [], []
        for key in [None, *(k.name for k in demo.config.keys)]:
            for flow_id, flow in FLOWS.items():
                if flow.needs_key != (key is not None):
                    continue
                for d in asyncio.run(run_flow(demo.services, flow_id, key)):
                    texts += [d.checked, d.cause, *d.evidence, *d.next_steps]
                    steps += d.next_steps
    assert any("`rotui " in t for t in texts)  # there is something to reword
    assert [s for s in steps if not say.doable(s)]  # and steps the demo leaves out
    assert not [s for s in steps if say.doable(s) and "own configuration" in say(s)]
    reworded = [say(t) for t in texts]
    for text in reworded:
        assert "`rotui " not in text, text
        for command in re.findall(r"`([^`]*rotui[^`]*)`", text):
            mine = command.startswith(f"{FROZEN_COMMAND} demo")
            assert mine or f"`{command}` (with your own configuration)" in text, text
        assert not re.search(r"(\w on the dashboard)\W+\1", text), text
    assert any("r on the dashboard" in t for t in reworded)



@pytest.mark.parametrize(
    ("step", "doable"),
    [
        ("Check again: `rotui validate K`", True),
        ("Resume: `rotui revoke K` (x on the dashboard)", True),
        ("`rotui demo runs` lists them", True),
        ("Roll back: `rotui revoke K --rollback`", True),
        ("Check with a billed request: `rotui validate A B --ping`", False),
        ("Store it again (`rotui key set K`)", False),
        ("`rotui validate K` then `rotui key set K`", False),
        ("No command at all", True),
    ],
)  # fmt: skip
def test_a_step_the_demo_cannot_take_is_told_apart(step: str, doable: bool) -> None:
    """Walk s14 2.1: "`…/rotui key set K` (with your own configuration)" inside the demo is not
    doable there; the troubleshoot screen leaves such a step out."""
    assert demo_hints("R").doable(step) is doable


def test_an_observer_is_told_the_keys_are_the_followed_demos() -> None:
    """`rotui demo --read-only` refuses v, r and x: its hints say whose dashboard has them."""
    say = demo_hints("R", observer=True)
    assert say("rotate to a new key (`rotui rotate K`, r on the dashboard)") == (
        "rotate to a new key (r on the dashboard of the demo you follow)"
    )
    assert say("Roll back: `rotui rotate K --rollback` puts") == (
        "Roll back: b in the rotation wizard of the demo you follow puts"
    )
    assert say("`rotui doctor K --flow usage` shows") == (
        "t on the dashboard, then “Unexpected usage or charges” shows"  # t works there too
    )
    assert say("`rotui runs` lists") == "`R demo runs` lists"
