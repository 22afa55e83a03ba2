"""Where rotui keeps its files; how it writes them is ``rotui.core.fsio`` (re-exported here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rotui.core.fsio import append_whole, atomic_write, locked, os_reason, private_dir

__all__ = ["APP", "Paths", "append_whole", "atomic_write", "locked", "os_reason", "private_dir"]

APP = "rotui"


@dataclass(frozen=True)
class Paths:
    """The per-user directories (platformdirs); the demo and tests pass temporary ones."""

    config_dir: Path
    state_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> Paths:
        import platformdirs

        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP)),
            state_dir=Path(platformdirs.user_state_dir(APP)),
            data_dir=Path(platformdirs.user_data_dir(APP)),
            cache_dir=Path(platformdirs.user_cache_dir(APP)),
            log_dir=Path(platformdirs.user_log_dir(APP)),
        )

    @classmethod
    def under(cls, root: Path) -> Paths:
        return cls(root / "config", root / "state", root / "data", root / "cache", root / "log")

    def all(self) -> tuple[Path, ...]:
        return (self.config_dir, self.state_dir, self.data_dir, self.cache_dir, self.log_dir)
