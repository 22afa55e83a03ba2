"""The full-screen commands exit with the app's code: 1 after a crash, not a blanket 0."""

from __future__ import annotations

import argparse

import pytest

from rotui.cli.commands import dashboard


class CrashedApp:
    """What Textual leaves after an unhandled error: run() returns, return_code is 1."""

    return_code: int | None = None

    def run(self) -> None:
        self.return_code = 1


class QuitApp(CrashedApp):
    def run(self) -> None:
        self.return_code = 0


@pytest.mark.parametrize(("app", "code"), [(CrashedApp, 1), (QuitApp, 0)])
def test_the_dashboard_exits_with_the_apps_code(
    monkeypatch: pytest.MonkeyPatch, app: type[CrashedApp], code: int
) -> None:
    import rotui.ui.app

    monkeypatch.setattr(rotui.ui.app, "make_app", lambda *a, **k: app())
    monkeypatch.setattr(dashboard, "need_terminal", lambda *a: None)

    class Ctx:
        warnings: list[str] = []

        def services(self) -> None:
            return None

    args = argparse.Namespace(read_only=False, theme=None)
    assert dashboard.run(args, Ctx()) == code  # type: ignore[arg-type]
