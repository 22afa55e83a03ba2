"""The wizard findings of the 80×24 newcomer walk (issue 13), driven with Pilot at 80×24."""

from __future__ import annotations

import os

from textual import events
from textual.widgets import Button, DataTable, Static

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rotui.core.errors import KeyringUnavailable
from rotui.core.rotation import Action
from rotui.ui.screens.rotation import RotationWizardScreen
from rotui.ui.screens.rotation.consumers import ConsumerDetail
from rotui.ui.widgets.key_detail import consumer_lines
from rotui.ui.widgets.secret_input import SecretInput
from tests.e2e.test_rotation_guards import services, through_propagation
from tests.e2e.wizard import (
    open_wizard,
    paste_new_key,
    roll_back,
    run_through_propagation,
    select_consumer,
    settle,
)
from tests.e2e.world import KEY, World
from tests.ui.helpers import wait_until


def offered(app) -> set[str]:
    return {b.binding.action for b in app.active_bindings.values() if b.enabled}


def panel(wizard) -> str:
    return str(wizard.query_one("#step-help", Static).render())


def cell(wizard, consumer: str, column: str) -> str:
    table = wizard.query_one("#consumers", DataTable)
    return str(table.get_cell(consumer, column))


def confirmed(svc) -> list[str]:
    return [
        e.context["consumer"]
        for e in svc.audit().entries()
        if e.action.endswith(".consumer.confirmed")
    ]


async def test_c_confirms_the_consumer_the_panel_asks_about(world: World) -> None:
    """Walk 5: the cursor starts on the waiting manual consumer; `c` elsewhere is refused."""
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        await paste_new_key(pilot, app)
        assert "Manual: laptop" in panel(wizard)
        select_consumer(app, "api")  # a consumer rotui wrote and verifies itself
        await pilot.press("c")
        await settle(pilot, app)
        said = panel(wizard)
        assert "api is not waiting for a confirmation" in said and "laptop" in said, said
        assert confirmed(svc) == []  # refused before anything is audited
        assert cell(wizard, "api", "state") == "written"
    async with open_wizard(svc) as (app, pilot):  # resumed: the cursor is on laptop unmoved
        wizard = app.screen
        assert wizard.selected_consumer() == "laptop"
        await pilot.press("c")
        await settle(pilot, app)
        assert confirmed(svc) == ["laptop"]
        assert cell(wizard, "laptop", "state") == "verified"


async def test_an_incomplete_rollback_offers_no_stale_retry_and_shows_who_holds_what(
    world: World,
) -> None:
    """Walk 8: after a rollback that failed on one consumer, R is gone, b stays, and the
    table says which key each consumer holds."""
    world.env["HEROKU_API_KEY"] = "wrong-token"  # the api consumer cannot be written
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        await paste_new_key(pilot, app)
        assert "retry" in offered(app)  # the failed propagation: R retries it
        assert cell(wizard, "secrets", "holds") == "new"
        await roll_back(pilot, app)
        assert app.screen is wizard
        assert "rollback is incomplete" in panel(wizard)
        assert wizard.next.action is Action.ROLLBACK
        assert "retry" not in offered(app) and "rollback" in offered(app), offered(app)
        assert cell(wizard, "secrets", "holds") == "current"  # restored: the rollback shows
        assert cell(wizard, "api", "holds") != "current"


async def test_without_a_keyring_enter_takes_the_choice_and_a_paste_is_not_lost(
    world: World,
) -> None:
    """Walk 12: the choice is focused, so Enter works; a paste before it is said, not dropped."""
    svc = services(world)

    def no_keyring() -> str:
        raise KeyringUnavailable("no keyring", "no usable keyring backend")

    svc.store.keyring_backend_name = no_keyring  # type: ignore[method-assign]
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        choice = wizard.query_one("#no-keyring", Button)
        assert choice.display and app.focused is choice
        app.post_message(events.Paste("sk-ant-api03-pasted-too-early"))
        await pilot.pause()
        said = panel(wizard)
        assert "the paste was not taken" in said and "sk-ant-api03-pasted" not in said
        await pilot.press("enter")
        await pilot.pause()
        box = wizard.query_one("#new-key", SecretInput)
        assert box.display and app.focused is box and box.value == ""
        assert "the paste was not taken" not in panel(wizard)  # answered: said no more


async def test_the_title_keeps_the_run_status_at_80_columns(world: World) -> None:
    """Walk 19: the run id goes last; at 80 columns it goes whole on a second line (s13, 4)."""
    svc = services(world)
    await run_through_propagation(svc, kind="emergency", mode="overlap")
    async with open_wizard(svc) as (app, _pilot):
        title = wizard_title(app)
        assert title.startswith(f"EMERGENCY revoke {KEY} · active (resumed) · run 2"), title
        run_id = svc.runs().active(KEY).run_id
        assert title.endswith(f"run {run_id}") and "…" not in title, title  # whole, never cut


def wizard_title(app) -> str:
    """The title as the terminal shows it, at the screen's width: its lines joined by a space."""
    title = app.screen.query_one("#wizard-title", Static)
    lines = (title.render_line(y) for y in range(title.size.height))
    return " ".join("".join(s.text for s in line._segments).strip() for line in lines)


async def test_a_watching_wizard_says_watching_not_resumed(world: World) -> None:
    """Walk 21: the second operator's read-only wizard is not a resumed run of its own."""
    svc = services(world)
    async with svc.rotation(KEY) as driver:
        await through_propagation(driver)
        async with open_wizard(svc) as (app, _pilot):
            title = wizard_title(app)
            assert "watching" in title and "resumed" not in title, title
            assert "active" in title


async def test_a_long_detail_is_marked_cut_and_enter_shows_it_whole(world: World) -> None:
    """Walk 15: at 80 columns a cut detail ends with "…"; Enter on the consumer shows it all."""
    svc = services(world)
    await run_through_propagation(svc)
    async with open_wizard(svc) as (app, pilot):
        wizard = app.screen
        assert isinstance(wizard, RotationWizardScreen)
        whole = wizard.rotation.view().consumers["api"].detail
        shown = cell(wizard, "api", "detail")
        assert len(whole) > len(shown) and shown.endswith("…"), (whole, shown)
        assert whole.startswith(shown[:-1])
        table = wizard.query_one("#consumers", DataTable)
        table.focus()
        select_consumer(app, "api")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConsumerDetail), "the detail")
        message = str(app.screen.query_one("#error-message", Static).render())
        assert whole in " ".join(message.split()), message
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is wizard, "back to the wizard")


async def test_a_written_consumers_detail_says_read_back_once(world: World) -> None:
    """Walk s13 section 4: `read-back matches (read back and matched)` said it twice."""
    svc = services(world)
    await run_through_propagation(svc)
    details = [c.detail for c in svc.runs().active(KEY).consumers.values()]
    assert any("read-back matches" in d for d in details), details
    assert not any("read back and matched" in d for d in details), details


async def test_resumed_is_said_of_a_run_picked_up_only_while_it_runs(world: World) -> None:
    """Walk s13 1.7: a resumed run says so; once rolled back it is no longer "(resumed)"."""
    svc = services(world)
    await run_through_propagation(svc)
    async with open_wizard(svc) as (app, pilot):
        assert f"{KEY} · active (resumed) · run " in wizard_title(app)
        await roll_back(pilot, app)
        title = wizard_title(app)
        assert f"{KEY} · rolled back · run " in title and "resumed" not in title, title


def sync_cell(svc) -> str:
    """The dashboard's Sync cell of KEY, as the table shows it."""
    import datetime as dt

    from rotui.ui.widgets.key_table_rows import cell_texts

    [row] = [r for r in svc.rows() if r.name == KEY]
    texts, _styles = cell_texts(row, False, dt.datetime.now(dt.UTC))
    total = f"/{len(row.key.consumers)}"
    return next(t.strip() for t in texts if t.endswith(total))


async def test_a_rollback_of_a_run_that_wrote_nothing_leaves_sync_unknown(world: World) -> None:
    """Walk s13 1.8: a new key that fails validation, rolled back: every consumer still holds
    the current key, so the Sync column says "—/n" as before, not "0/n"."""
    from rotui.demo import fake_key

    svc = services(world)
    assert sync_cell(svc) == "—/6"
    async with open_wizard(svc) as (app, pilot):
        await paste_new_key(pilot, app, fake_key("a key the API does not know"))
        assert svc.runs().active(KEY) is not None  # started: PENDING is stored
        # "pending" is the new key's word: a consumer not written yet says so (README's model)
        assert cell(app.screen, "secrets", "state") == "unwritten"
        assert cell(app.screen, "secrets", "holds") == "current"
        await roll_back(pilot, app)
    assert svc.runs().latest()[KEY].status == "rolled_back"
    assert sync_cell(svc) == "—/6"
    [row] = [r for r in svc.rows() if r.name == KEY]
    detail = "\n".join(line.plain for line in consumer_lines(row))
    assert "unwritten" in detail, detail
    assert " pending" not in detail, detail


async def test_after_a_rollback_sync_counts_the_consumers_holding_current(world: World) -> None:
    """Consumers written back hold CURRENT again and count; so does the manual laptop, whose
    step was never asked (the api write failed first): nothing to restore by hand (s14 1.5)."""
    world.env["HEROKU_API_KEY"] = "wrong-token"  # the api consumer cannot be written
    svc = services(world)
    async with open_wizard(svc) as (app, pilot):
        await paste_new_key(pilot, app)
        await roll_back(pilot, app)  # incomplete: api's outcome is unknown
        world.env["HEROKU_API_KEY"] = "tok-heroku-world"
        await roll_back(pilot, app)
    run = svc.runs().latest()[KEY]
    held = {n: str(r.value) for n, r in run.consumers.items()}
    assert run.status == "rolled_back" and held["laptop"] == "None", held  # never written
    assert sync_cell(svc) == "6/6", held
