"""Wording for people, below every face: the disclaimer, rounding for display (:mod:`.numbers`) and the
words of notes and worked steps (:mod:`.words`).

The engine's teaching layer and every writer of :mod:`dosecalc.render` word their figures with these, so a
sheet's worked steps, a terminal table and a web page say a figure the same way. This package imports nothing
of dosecalc's at import time; its modules read only the engine below them (units, regimens, dosing).
"""

#: Carried by every output meant for people (and by the JSON documents).
DISCLAIMER = "Educational reference only - not a prescribing tool, and not clinical advice."

#: The marking rule, in the words every sheet, ``check --help``, the README and each exported question print;
#: :func:`dosecalc.teaching.marking.is_right` applies it, and :func:`dosecalc.teaching.marking.accepted` gives
#: it as values and intervals.
MARKING_RULE = (
    "An answer is right when it equals the key (3 scores for a key of 3.0), or when, given more precisely than "
    "asked, it is right one place beyond the asked one: rounded half up to that place, it equals the exact "
    "answer rounded there (for an exact 2.747 and a key of 2.7, 2.75 and 2.7468 score; for an exact 3.67 and a "
    "key of 4, 3.5 does not). The exact answer rounded half up to any finer place also scores."
)
