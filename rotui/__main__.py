"""``python -m rotui``."""

import sys

from rotui.cli import main

sys.exit(main())
