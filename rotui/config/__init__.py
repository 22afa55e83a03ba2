"""Load and validate rotui's TOML configuration so every later step can trust its shape.

The parts: ``load`` finds and reads the file and its ``include``d fragments (through the parsed
config cache), ``checker`` validates a document table by table, ``fields`` checks single values,
``schema`` lists what may appear, ``text`` words the problems, ``starter`` writes ``rotui init``'s
file. Every error names the file and the dotted path. The names below are re-exported; the
checker's are not, so a configuration served checked from the cache never imports it.
"""

from rotui.config.load import (
    ConfigFileNotFound,
    default_config_path,
    load_config,
    parse_config,
    permission_warning,
    resolve_config_path,
)
from rotui.config.schema import (
    CONFIG_FILENAME,
    ENV_VAR,
    KEY_FIELDS,
    MAX_CONFIG_BYTES,
    SETTINGS_FIELDS,
    TOP_LEVEL_FIELDS,
)
from rotui.config.starter import STARTER_CONFIG, write_starter_config

__all__ = [
    "CONFIG_FILENAME",
    "ENV_VAR",
    "KEY_FIELDS",
    "MAX_CONFIG_BYTES",
    "SETTINGS_FIELDS",
    "STARTER_CONFIG",
    "TOP_LEVEL_FIELDS",
    "ConfigFileNotFound",
    "default_config_path",
    "load_config",
    "parse_config",
    "permission_warning",
    "resolve_config_path",
    "write_starter_config",
]
