"""Checkers for the chapters' exercises: each runs a student's function against the package's
reference and says in plain words what is wrong (shape, sign, a numerical mismatch with a hint).

One module per chapter; each checker returns a `Report` that prints as a readable verdict.
"""

from ._report import Report

__all__ = ["Report"]
