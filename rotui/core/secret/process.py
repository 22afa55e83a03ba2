"""A process holding a key value dumps no core, and no other process of the user reads its memory.

A core file is the process's memory written to disk (in the working directory by default): every
key the process read is in it, in plaintext. A crash in a C extension, an ``abort()``, or SIGQUIT
(Ctrl-\\ while ``rotui key set`` waits for a paste) writes one wherever the user enabled them
(``ulimit -c unlimited``). So the first time a key is read, rotui sets its core size limit to zero
(children inherit it: they get keys on stdin) and, on Linux, makes itself not dumpable
(``prctl(PR_SET_DUMPABLE, 0)``, as ssh-agent and gpg-agent do): no core even through a
``core_pattern`` pipe, and ``/proc/PID/mem`` and ``environ`` are closed to the user's other
processes. Done on the first key, not at start: ``rotui status`` never reads one and never pays.
"""

from __future__ import annotations

import contextlib
import sys

PR_SET_DUMPABLE = 4  # <linux/prctl.h>

hardened = False


def harden() -> None:
    """No core dump from this process or its children, and no peeking at its memory; once."""
    global hardened
    if hardened:
        return
    hardened = True
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no core files to speak of
        return
    with contextlib.suppress(ValueError, OSError):  # a sandbox refusing setrlimit
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):  # no libc prctl (a static build)
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
