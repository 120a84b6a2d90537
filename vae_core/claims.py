"""The book's claims, checked where they are made, without stopping a student's notebook.

Each chapter states what its outputs show ("the KL is below 3 nats for 998 of 1,000 digits")
and checks it with `claim(condition, sentence)` in a cell the book hides. In the book build and
under nbval (environment variable VAE_BOOK_STRICT=1) a false claim raises, so the build fails
and no wrong sentence is published. In a reader's run (Colab, Jupyter) the reader may have
changed K, a digit or an epoch count: then a false claim prints a short note instead, and the
notebook goes on.
"""

from __future__ import annotations

import os
import textwrap

STRICT_VAR = "VAE_BOOK_STRICT"


class ClaimFailed(AssertionError):
    """A sentence of the book is not supported by the outputs of this run (strict mode)."""


def strict() -> bool:
    """True in the book build and under nbval (VAE_BOOK_STRICT=1)."""
    return os.environ.get(STRICT_VAR, "") not in ("", "0")


def claim(condition: object, sentence: str) -> bool:
    """Check one claim of the text; raise in strict mode, else print a note when it fails.

    condition: anything whose truth is the claim (a bool, a 0-d tensor, a numpy bool).
    sentence: the claim in words, as the text states it.
    Returns whether the claim holds.
    """
    if not isinstance(sentence, str) or not sentence.strip():
        raise TypeError("sentence must be the claim in words, a non-empty str")
    holds = bool(condition)
    if holds:
        return True
    if strict():
        raise ClaimFailed(f"the text says: {sentence}; but this run's outputs do not support it")
    note = (
        f'Note: the text says "{sentence}", which does not hold for the numbers printed '
        f"above. That is expected if you changed a setting; the book's text describes its "
        f"own settings."
    )
    print(textwrap.fill(note, 88))  # the width of the book's text column
    return False
