"""Where does this key live? Every holder of a key's current, pending or previous value.

:mod:`.scan` runs the sources (:mod:`.sources` over :mod:`.remote`, :mod:`.files`, :mod:`.git`)
within the ``[holders]`` bounds, matching by keyed fingerprint (:mod:`.matcher`, the targets from
:mod:`.targets`) and classifying each finding (:mod:`.book`); :mod:`.gate` is what the revoke step
asks before the old key goes.
"""

from rotui.core.holders.model import (
    Finding,
    Held,
    HoldersSettings,
    Place,
    Progress,
    ScanReport,
    Status,
)

__all__ = ["Finding", "Held", "HoldersSettings", "Place", "Progress", "ScanReport", "Status"]
