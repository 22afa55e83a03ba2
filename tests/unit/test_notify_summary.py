"""What ``rotui check --notify`` says: "all keys fine" only of keys that were all validated."""

from __future__ import annotations

from rotui.core.notify import ALL_CLEAR, check_summary


def test_all_fine_is_said_only_when_every_key_was_validated() -> None:
    assert check_summary([], [], [], []).title == ALL_CLEAR
    unknown = check_summary([], [], [], [], ["new-key"])
    assert unknown.title != ALL_CLEAR and "1 never validated" in unknown.title
    assert "never validated, so not known to work: new-key" in unknown.body
    assert unknown.problems == 0  # as `rotui check`: not a failure


def test_keys_never_validated_do_not_make_a_change_of_their_own() -> None:
    """A first check (or a key added) sends nothing for them alone: no cron spam, as before."""
    clear = check_summary([], [], [], [])
    assert check_summary([], [], [], [], ["a"]).digest == clear.digest
    overdue = check_summary(["old"], [], [], [])
    assert check_summary(["old"], [], [], [], ["a", "b"]).digest == overdue.digest
    assert overdue.digest != clear.digest


def test_a_problem_message_also_names_the_keys_never_validated() -> None:
    summary = check_summary(["old"], [], ["bad"], [], ["new"])
    assert summary.title == "rotui: 1 overdue, 1 failing" and summary.problems == 2
    assert summary.body.splitlines() == [
        "overdue: old",
        "failing: bad",
        "never validated, so not known to work: new",
    ]
