"""The wizard's words: the checklist of a run and what the operator does next."""

from __future__ import annotations

from rotui.core.model import CONSOLE_KEYS_URL
from rotui.core.rotation import Action, Next, Rotation, Step
from rotui.core.rotation.policy import resume_command
from rotui.core.runs import STEP_TITLES, Run, RunStatus, StepState

SYMBOLS = {
    StepState.PENDING: "○",
    StepState.RUNNING: "◐",
    StepState.DONE: "✓",
    StepState.FAILED: "✗",
    StepState.SKIPPED: "–",
}


#: What a failed step cannot fix by retrying: said where it applies.
WRONG_KEY = {
    str(Step.VALIDATE_NEW): (
        "\nA wrong new key (mistyped, another organization) cannot be swapped within this run: "
        "b rolls back, then r starts afresh with the right one."
    )
}


def checklist_text(run: Run) -> str:
    """The steps with state, time and detail: the same words the dashboard and observers show."""
    lines = []
    for number, step in enumerate(run.steps, start=1):
        record = run.step[step]
        when = f" {record.at[11:19]}" if record.at else ""
        lines.append(
            f"{SYMBOLS[record.state]} {number}. {STEP_TITLES[step]} [{record.state}{when}]"
        )
        if record.detail:
            lines.append(f"     {record.detail}")
    return "\n".join(lines)


def checklist_strip(run: Run) -> str:
    """The checklist on one line, for a terminal too narrow for it beside the panel: each step's
    state by number, then the step at hand in words (``✓1 ◐2 ○3 … · 2. New key from …``)."""
    marks = " ".join(
        f"{SYMBOLS[run.step[step].state]}{number}" for number, step in enumerate(run.steps, 1)
    )
    step = run.current_step()
    at_hand = f" · {run.steps.index(step) + 1}. {STEP_TITLES[step]}" if step else ""
    return marks + at_hand


def _ended(run: Run) -> str:
    """The panel once the run has ended."""
    if run.status is RunStatus.COMPLETED:
        done = "Emergency revoke complete" if run.kind == "emergency" else "Rotation complete"
        return f"{done}: CURRENT is {run.facts.pending_hint}. Esc returns to the dashboard."
    if run.status is RunStatus.ROLLED_BACK and run.kind == "emergency":
        return (  # as the CLI says it: the emergency is not over
            f"The run ended (rolled back). ⚠ The old key of {run.key} is still active, and it "
            f"may have leaked: revoke it as soon as you can (x on the dashboard, or `rotui "
            f"revoke {run.key}`). Esc returns to the dashboard."
        )
    return f"The run ended ({str(run.status).replace('_', ' ')}). Esc returns to the dashboard."


_SKIPPABLE = (Step.PROPAGATE, Step.VERIFY)  # where s is offered beside R and b


def step_help(rotation: Rotation, run: Run, upcoming: Next, *, keyring_ok: bool) -> str:
    """What the operator does now, in words: the panel beside the checklist."""
    action, step = upcoming.action, upcoming.step
    if action is Action.DONE:
        return _ended(run)
    if action is Action.ROLLBACK:
        return "The rollback is not complete (see the consumers). Fix the cause, then b rolls back again."
    if action is Action.RETRY and step == Step.PRECHECK and rotation.run is None:
        return (
            f"✗ {upcoming.detail}\nNothing was changed and no run was started. "
            "R checks again; e opens the emergency revoke; Esc returns."
        )
    if action is Action.RETRY:
        return (
            f"✗ {upcoming.detail}\nFix the cause, then R retries (only what failed); "
            + ("s skips a failing consumer, with a reason; " if step in _SKIPPABLE else "")
            + "b rolls back."
            + WRONG_KEY.get(step or "", "")
        )
    if action is Action.WAIT:
        return (
            f"Waiting for approval: {', '.join(upcoming.waiting)} turned the write into a change "
            "request. Once a reviewer merges it, R checks again (it is read back, not written "
            "again); if it was rejected, s skips it with a reason, or b rolls back."
        )
    if action is Action.REPASTE_KEY:
        return f"No keyring held PENDING across the restart: paste the same new key ({upcoming.detail}) again."
    if action is Action.PASTE_KEY:
        return _paste_help(rotation, keyring_ok=keyring_ok)
    if action is Action.CONFIRM_CONSUMERS and step == Step.PROPAGATE:
        lines = [f"Manual: {n}: {rotation.adapters[n].describe()}" for n in upcoming.waiting]
        return "\n".join(lines) + "\nDo it, select it, press c to confirm (s skips, with a reason)."
    if action is Action.CONFIRM_CONSUMERS:
        return (
            f"Not verifiable by rotui: {', '.join(upcoming.waiting)}. "
            "Check each, then c to confirm or s to skip with a reason."
        )
    if action is Action.UPDATE_SOURCE:
        source = rotation.key.source.split(" ")[0]
        return (
            f"Update {source} to the new key {run.facts.pending_hint}, then press u.\n"
            f"An {source} value cannot change inside this rotui: Esc, then q and y quit (the "
            "run is kept); "
            f"update it where it is set, then `{resume_command(run)}` resumes; rotui accepts "
            "it as soon as it gives the new key."
        )
    if action is Action.CONFIRM_REVOKE and step == Step.DEACTIVATE:
        return "Revoke now: X deactivates the old key (typed confirmation), then the new key repairs every consumer."
    if action is Action.CONFIRM_REVOKE:
        blockers = rotation.revoke_blockers()
        if blockers:
            return "The old key cannot be revoked yet:\n" + "\n".join(f"- {b}" for b in blockers)
        return "Every consumer is verified or skipped. X revokes the old key (typed confirmation); b still rolls back."
    return f"{STEP_TITLES.get(step or '', step or '')}…"


def _paste_help(rotation: Rotation, *, keyring_ok: bool) -> str:
    """Where to create the new key, and what a crash would cost without a keyring."""
    url, name = rotation.console_guidance()
    lines = [
        f"Create the new key at {url}",
        f"Suggested name: {name}",
        "Copy it (shown once), paste it below; it is stored as PENDING at once.",
    ]
    if not keyring_ok:
        lines.append(
            "! No usable keyring here: a crash would lose the pending key (you would paste it again)."
        )
    return "\n".join(lines)


def how_revoked(rotation: Rotation) -> str:
    """Who deactivates the old key: rotui through the Admin API, or the operator in the Console."""
    if rotation.deps.admin is None:
        return (
            f"No Admin API: revoke it in the Console first ({CONSOLE_KEYS_URL}); "
            "confirming says you did."
        )
    return "rotui deactivates it through the Admin API and waits for its 401."
