"""Free text an operator types (a skip reason) may quote a key; the run's journal keeps its hint.

The audit log already masked it, but the run file (``<state>/runs/<id>.json``, which `rotui report`
and the wizard read back) kept the reason as typed: "the old key sk-ant-… was in CI" put the
value on disk in plaintext.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rotui.core.secret import mask
from rotui.demo import fake_key
from tests.e2e.test_rotation_guards import services, through_verify
from tests.e2e.world import KEY, World, build_world

QUOTED = fake_key("leak-free-text")


@pytest.fixture
def world(tmp_path: Path, child_env: dict[str, str]) -> Iterator[World]:
    with build_world(tmp_path, child_env) as built:
        yield built


async def test_a_key_in_a_skip_reason_reaches_no_file(world: World) -> None:
    svc = services(world)
    async with svc.rotation(KEY) as rotation:
        await through_verify(rotation)
        rotation.skip_consumer("ci", f"the leaked key {QUOTED} was only ever in CI")
    runs = list((svc.paths.state_dir / "runs").glob("*.json"))
    assert runs, "the run was journaled"
    journal = runs[0].read_text()
    assert f"the leaked key {mask(QUOTED)} was only ever in CI" in journal  # the reason, masked
    written = [p for p in svc.paths.state_dir.parent.rglob("*") if p.is_file()]
    assert any(p.name == "audit.jsonl" for p in written)
    for path in written:
        assert QUOTED[20:60].encode() not in path.read_bytes(), path
