"""The env-file consumer never lets a neighbour steer the key: links, foreign files, shared dirs."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest

from rotui.core.consumers.base import ConsumerContext
from rotui.core.consumers.env_file import EnvFileConsumer
from rotui.core.errors import RotuiError
from rotui.core.secret import Secret
from tests.unit.test_consumers import NEW, OLD, VAR, context, env_spec


@pytest.fixture
def ctx() -> ConsumerContext:
    return context(None)  # type: ignore[arg-type]  # the env file needs no HTTP


def allowing(path: Path | str, **flags: bool) -> EnvFileConsumer:
    """A consumer whose config says ``allow_... = true`` (the value as the config gives it)."""
    spec = env_spec(path)
    fields = {**spec.fields, **{name: "true" if on else "false" for name, on in flags.items()}}
    return EnvFileConsumer(dataclasses.replace(spec, fields=fields))


async def refused(adapter: EnvFileConsumer, ctx: ConsumerContext, words: str) -> None:
    with pytest.raises(RotuiError) as caught:
        await adapter.write(Secret(NEW), ctx)
    assert words in caught.value.message and NEW not in str(caught.value)
    preflight = await adapter.preflight(ctx)
    assert len(preflight) == 1 and words in preflight[0]


async def test_a_planted_symlink_is_refused(tmp_path: Path, ctx: ConsumerContext) -> None:
    """Another user plants app/.env -> their file: the key must not go there."""
    app = tmp_path / "app"
    app.mkdir(mode=0o700)
    loot = tmp_path / "loot"
    loot.write_text("")
    (app / ".env").symlink_to(loot)
    await refused(EnvFileConsumer(env_spec(app / ".env")), ctx, "symbolic link")
    assert loot.read_text() == "" and (app / ".env").is_symlink()


async def test_a_symlink_is_followed_only_when_allowed(
    tmp_path: Path, ctx: ConsumerContext
) -> None:
    real = tmp_path / "real.env"
    real.write_text(f"{VAR}={OLD}\n")
    real.chmod(0o600)
    link = tmp_path / "link.env"
    link.symlink_to(real)
    outcome = await allowing(link, allow_symlink=True).write(Secret(NEW), ctx)
    assert outcome.matches is True
    assert link.is_symlink() and real.read_text() == f"{VAR}={NEW}\n"
    await refused(allowing(link, allow_symlink=False), ctx, "allow_symlink = true")


async def test_a_directory_others_can_write_is_refused(
    tmp_path: Path, ctx: ConsumerContext
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    path = shared / ".env"
    path.write_text(f"{VAR}={OLD}\n")
    await refused(EnvFileConsumer(env_spec(path)), ctx, "writable by others (mode 0777)")
    assert path.read_text() == f"{VAR}={OLD}\n"
    outcome = await allowing(path, allow_shared_dir=True).write(Secret(NEW), ctx)
    assert outcome.matches is True


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
async def test_a_file_owned_by_someone_else_is_refused(
    tmp_path: Path, ctx: ConsumerContext
) -> None:
    path = tmp_path / ".env"
    path.write_text(f"{VAR}={OLD}\n")
    os.chown(path, 4242, 4242)
    await refused(EnvFileConsumer(env_spec(path)), ctx, "belongs to another user (uid 4242)")
    assert path.read_text() == f"{VAR}={OLD}\n"
    await allowing(path, allow_other_owner=True).write(Secret(NEW), ctx)
    assert path.stat().st_uid == os.geteuid()  # the key is not given away to the other user


async def test_the_mode_is_never_widened(tmp_path: Path, ctx: ConsumerContext) -> None:
    path = tmp_path / ".env"
    path.write_text(f"{VAR}={OLD}\n")
    path.chmod(0o4755)  # setuid + executable bits on a dotenv: not copied to the key's file
    await EnvFileConsumer(env_spec(path)).write(Secret(NEW), ctx)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
