"""Wording for people, below every face: the disclaimer, rounding for display (:mod:`.numbers`) and the
words of notes and worked steps (:mod:`.words`).

The engine's teaching layer and every writer of :mod:`dosecalc.render` word their figures with these, so a
sheet's worked steps, a terminal table and a web page say a figure the same way. This package imports nothing
of dosecalc's at import time; its modules read only the engine below them (units, regimens, dosing).
"""

#: Carried by every output meant for people (and by the JSON documents).
DISCLAIMER = "Educational reference only - not a prescribing tool, and not clinical advice."

#: The marking rule, in the words every sheet and ``check --help`` print; one source for both.
MARKING_RULE = (
    "An answer is right when, rounded half up to the place given for its unit, it equals the key's answer (so the "
    "rounded answer and any more precise one score)."
)
