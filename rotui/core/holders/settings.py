"""``[holders]`` in the config, apart from the scan's model: every ``rotui`` start loads it.

The configuration model holds it, so it is imported on every start, even by ``rotui status``;
what a scan finds (:mod:`.model`) is imported only by what scans or shows a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
DEFAULT_SOURCE_SECONDS = 120.0
DEFAULT_MAX_PLACES = 200_000
DEFAULT_GIT_COMMITS = 2_000


@dataclass(frozen=True)
class HoldersSettings:
    """``[holders]`` in the config: each source can be turned off; git history is opt-in."""

    heroku: bool = True
    infisical: bool = True
    github: bool = True
    shell: bool = True
    paths: tuple[Path, ...] = ()
    git: bool = False
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    timeout_seconds: float = DEFAULT_SOURCE_SECONDS  # each source's time bound
    max_places: int = DEFAULT_MAX_PLACES  # each source's place bound
    git_commits: int = DEFAULT_GIT_COMMITS  # commits of history read per repository
