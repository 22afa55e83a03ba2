"""Where does this key live? Every holder of a key's current, pending or previous value.

:mod:`.scan` runs the sources (:mod:`.sources` over :mod:`.remote`, :mod:`.files`, :mod:`.git`)
within the ``[holders]`` bounds, matching by keyed fingerprint (:mod:`.matcher`, the targets from
:mod:`.targets`) and classifying each finding (:mod:`.book`); :mod:`.gate` is what the revoke step
asks before the old key goes. ``[holders]`` itself is :mod:`.settings`, apart, since every start
loads it.

Nothing is imported here: the configuration model imports :mod:`.settings` on every start, and a
package that pulled in the rest would make ``rotui status`` pay for the scan's model.
"""
