"""The simulated Anthropic API in its own process, so its threads never compete with rotui's for the GIL.

``python -m benchmarks.simserver COUNT LATENCY [admin]`` accepts the fake values of the first
COUNT benchmark keys (with ``admin``, also lists them through the Admin API), prints its base
URL on one line and serves on 127.0.0.1 until stdin closes.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator, Mapping

from benchmarks.harness import python
from benchmarks.inventory import key_values, started_sim


@contextlib.contextmanager
def sim_process(
    count: int, latency: float, env: Mapping[str, str], admin: bool = False
) -> Iterator[str]:
    """Start the server process, yield its base URL, and stop it however the block ends."""
    child = subprocess.Popen(
        [python(), "-m", "benchmarks.simserver", str(count), repr(latency)]
        + (["admin"] if admin else []),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=dict(env),
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        base_url = child.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the simulated API did not start (said {base_url!r})")
        yield base_url
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str]) -> int:
    count, latency, admin = int(argv[0]), float(argv[1]), argv[2:] == ["admin"]
    with started_sim(key_values(count), latency=latency, admin=admin) as sim:
        print(sim.base_url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
