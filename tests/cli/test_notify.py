"""Notifications through apprise to a webhook on 127.0.0.1: one per change, the URL never shown."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import rotui
from tests.support.webhook import TOKEN, Receiver

pytest.importorskip("apprise")

TODAY = dt.datetime.now(dt.UTC).date()
OLD = (TODAY - dt.timedelta(days=200)).isoformat()
NEW = (TODAY - dt.timedelta(days=3)).isoformat()


def key(name: str, created: str) -> str:
    return f'[[keys]]\nname = "{name}"\nsource = "env:X"\ncreated = {created}\n'


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as hook:
        yield hook


@pytest.fixture
def config(tmp_path: Path, child_env: dict[str, str], receiver: Receiver) -> Path:
    path = tmp_path / "rotui.toml"
    path.write_text('[notify]\nurls = ["env:ROTUI_HOOK"]\n\n' + key("fresh", NEW))
    path.chmod(0o600)
    child_env.update(ROTUI_CONFIG=str(path), ROTUI_HOOK=receiver.url)
    return path


def assert_no_url(home: Path, *outputs: str) -> None:
    """The webhook's URL (its token) is in no output and no file rotui wrote."""
    for text in outputs:
        assert TOKEN not in text and "127.0.0.1" not in text
    for path in home.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace"), path


def test_one_message_per_change_and_none_when_nothing_changed(
    config: Path, receiver: Receiver, child_env: dict[str, str], tmp_path: Path
) -> None:
    first = rotui(child_env, "check", "--notify")
    assert first.returncode == 0, first.stderr
    assert receiver.messages == []  # all clear from the start: nothing to say
    assert "nothing changed" in first.stderr

    config.write_text(config.read_text() + key("legacy", OLD))
    overdue = rotui(child_env, "check", "--notify")
    assert overdue.returncode == 1  # the check's verdict, as without --notify
    assert "rotui: notification sent" in overdue.stderr
    assert len(receiver.messages) == 1
    assert receiver.messages[0]["title"] == "rotui: 1 overdue"
    assert "overdue: legacy" in receiver.messages[0]["message"]

    again = rotui(child_env, "check", "--notify")
    assert again.returncode == 1 and "nothing changed" in again.stderr
    assert len(receiver.messages) == 1  # a cron job does not spam

    config.write_text(config.read_text() + key("older", OLD))
    more = rotui(child_env, "check", "--notify")
    assert len(receiver.messages) == 2
    assert receiver.messages[1]["title"] == "rotui: 2 overdue"

    config.write_text('[notify]\nurls = ["env:ROTUI_HOOK"]\n\n' + key("fresh", NEW))
    clear = rotui(child_env, "check", "--notify")
    assert clear.returncode == 0
    # "fresh" was never validated: the all-clear does not call it fine (walk s13 1.9)
    assert receiver.messages[-1]["title"] == "rotui: none overdue or failing (1 never validated)"
    assert "never validated, so not known to work: fresh" in receiver.messages[-1]["message"]
    assert len(receiver.messages) == 3

    assert list((tmp_path / "home").rglob("notify.json"))  # the last summary, kept in state
    audit = json.loads(rotui(child_env, "audit", "--json").stdout)
    sent = [e for e in audit["entries"] if e["action"] == "notify.sent"]
    assert len(sent) == 3 and sent[0]["context"]["target"] == "notify.urls[0]"
    assert sent[0]["context"]["scheme"] == "json"
    assert_no_url(
        tmp_path / "home",
        first.stdout + first.stderr,
        overdue.stdout + overdue.stderr,
        more.stdout + more.stderr,
        json.dumps(audit),
    )


def test_a_failing_receiver_is_reported_audited_and_tried_again(
    config: Path, receiver: Receiver, child_env: dict[str, str], tmp_path: Path
) -> None:
    config.write_text(config.read_text() + key("legacy", OLD))
    receiver.status = 500
    failed = rotui(child_env, "check", "--notify")
    assert failed.returncode == 1  # overdue, as without --notify: not 2, not a crash
    assert "Traceback" not in failed.stderr
    assert (
        "rotui: warning: notification to notify.urls[0] (json://…) not delivered" in failed.stderr
    )
    assert "tried again on the next check" in failed.stderr
    audit = json.loads(rotui(child_env, "audit", "--json").stdout)
    [entry] = [e for e in audit["entries"] if e["action"] == "notify.failed"]
    assert entry["context"]["event"] == "check"
    assert_no_url(tmp_path / "home", failed.stdout + failed.stderr, json.dumps(audit))

    receiver.status = 200
    retried = rotui(child_env, "check", "--notify")
    assert "notification sent" in retried.stderr
    assert len(receiver.messages) == 1


def test_a_source_that_gives_nothing_is_reported_not_fatal(
    config: Path, child_env: dict[str, str]
) -> None:
    config.write_text(config.read_text() + key("legacy", OLD))
    del child_env["ROTUI_HOOK"]
    done = rotui(child_env, "check", "--notify")
    assert done.returncode == 1
    assert "notify.urls[0] not delivered: its source gave no URL" in done.stderr


def test_a_url_written_into_the_config_is_refused_without_echo(
    config: Path, child_env: dict[str, str]
) -> None:
    config.write_text(f'[notify]\nurls = ["https://hooks.example/{TOKEN}"]\n' + key("a", NEW))
    done = rotui(child_env, "check")
    assert done.returncode == 2
    assert "notify.urls[0]: a notification URL is a secret" in done.stderr
    assert TOKEN not in done.stderr and "hooks.example" not in done.stderr


def test_notify_without_urls_is_a_usage_error(
    config: Path, child_env: dict[str, str]
) -> None:
    config.write_text(key("a", NEW))
    done = rotui(child_env, "check", "--notify")
    assert done.returncode == 2 and "--notify needs [notify] urls" in done.stderr
