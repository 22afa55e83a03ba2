"""What the emergency screen says about a run of the key already in progress, and who drives it."""

from __future__ import annotations

from pathlib import Path

from rotui.core.locks import Holder, KeyLock, held_keys
from rotui.core.runs import STEP_TITLES, Run


def other_driver(state_dir: Path, key: str) -> Holder | None:
    """Another live rotui holding the key's lock (never this process)."""
    if key in held_keys():
        return None
    return KeyLock(state_dir, key).live_holder()


def where(active: Run) -> str:
    step = active.current_step()
    return f"run {active.run_id}" + (f", step “{STEP_TITLES[step]}”" if step else "")


def in_progress(key: str, active: Run, holder: Holder | None) -> str:
    """One line on the key's active run; ``holder``: another live rotui driving it."""
    at = where(active)
    if holder is not None:
        return (
            f"A {active.kind} of {key} is in progress ({at}) and being driven by another rotui: "
            f"{holder.describe()}. Nothing here can start until it ends or quits; "
            "`rotui --read-only` watches it."
        )
    if active.kind != "emergency" and not active.wrote_anything():
        return (
            f"A rotation of {key} is in progress ({at}); it wrote nothing to any "
            "consumer, so an emergency revoke supersedes it (audited)."
        )
    if active.kind != "emergency":
        return f"A rotation of {key} is in progress ({at})."
    if active.mode == "now":
        return f"A revoke-now emergency of {key} is in progress ({at}): n resumes it."
    return f"An overlap emergency revoke of {key} is in progress ({at}): o resumes it."
