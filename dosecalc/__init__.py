"""dosecalc: an educational infusion dose schedule calculator.

Educational reference only - not a prescribing tool.
"""

__version__ = "0.1.0"
