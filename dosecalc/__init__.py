"""dosecalc: an educational infusion dose schedule calculator.

Educational reference only - not a prescribing tool.
"""

__version__ = "0.1.0"

#: Carried by every output meant for people (and by the JSON documents).
DISCLAIMER = "Educational reference only - not a prescribing tool, and not clinical advice."
