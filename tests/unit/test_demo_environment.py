"""The demo's configuration is a real file, and says so: checks of the file itself see it."""

from __future__ import annotations

import os
from pathlib import Path

from rotui.demo import demo_environment


def test_the_demo_config_carries_the_path_of_the_file_it_was_read_from(tmp_path: Path) -> None:
    with demo_environment(root=tmp_path) as (config, _paths, _store, _sim):
        assert config.path is not None, "troubleshoot would say: no file, a built-in configuration"
        assert Path(config.path).is_file()
        assert os.stat(config.path).st_mode & 0o077 == 0  # and the check finds it private
