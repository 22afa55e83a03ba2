"""The simulated API and its configuration (tests/cli/test_cli.py) for every CLI test."""

from tests.cli.test_cli import config, sim

__all__ = ["config", "sim"]
