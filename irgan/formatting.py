"""The words and number formats of everything the study publishes: tables, figures, the paper.

One place, so that a selection rule is named the same way in a table's title, a figure's axis and
a sentence of the draft, and a p-value is rounded the same way everywhere. Table cells show a
missing value as ``–``; sentences say ``n/a``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

#: a missing value in a table cell
DASH = "–"
#: a missing value in a sentence
NA = "n/a"

#: table markers: a significant difference up or down, the paper's "*" claim, a published figure
#: outside our interval
UP, DOWN, STAR, DAGGER = "↑", "↓", "*", "†"

#: per selection rule: the protocol's name and where it chooses the epoch
PROTOCOLS = {
    "test": ("paper protocol", "the test set"),
    "validation": ("honest protocol", "validation"),
}


def protocol_name(selection: str) -> str:
    """``paper protocol`` or ``honest protocol``: a figure's axis, a sentence's subject."""
    return PROTOCOLS[selection][0]


def the_protocol(selection: str) -> str:
    """``the paper protocol``, as a sentence names it."""
    return f"the {protocol_name(selection)}"


def protocol_title(selection: str) -> str:
    """``paper protocol (epoch chosen on the test set)``: a table's title or note."""
    name, chosen_on = PROTOCOLS[selection]
    return f"{name} (epoch chosen on {chosen_on})"


# --------------------------------------------------------------------------- numbers


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def number(value: float | None, digits: int = 4, missing: str = DASH) -> str:
    """``0.1234`` (``missing`` for None, NaN or an infinity)."""
    return f"{value:.{digits}f}" if _finite(value) else missing


def signed(value: float | None, digits: int = 4, missing: str = DASH) -> str:
    """``+0.1234`` / ``-0.1234``: a difference."""
    return f"{value:+.{digits}f}" if _finite(value) else missing


def number_text(value: float | None, digits: int = 4) -> str:
    """:func:`number` in a sentence (``n/a`` when missing)."""
    return number(value, digits, NA)


def signed_text(value: float | None, digits: int = 4) -> str:
    """:func:`signed` in a sentence (``n/a`` when missing)."""
    return signed(value, digits, NA)


def p_value(value: float | None, missing: str = DASH, below: str = "<") -> str:
    """A p-value at 4 decimals, ``<0.0001`` below that (``below`` is what precedes the bound)."""
    if not _finite(value):
        return missing
    return f"{below}0.0001" if value < 1e-4 else f"{value:.4f}"


def p_text(value: float | None) -> str:
    """A p-value in a sentence: ``0.0102``, ``< 0.0001`` or ``n/a``."""
    return p_value(value, NA, "< ")


def p_is(value: float | None) -> str:
    """``p = 0.0102``, ``p < 0.0001`` or ``p n/a``: a p-value as a sentence states it."""
    text = p_text(value)
    return f"p {text}" if text.startswith("<") or text == NA else f"p = {text}"


def epoch_text(value: float | None) -> str:
    """An epoch, or a mean of epochs over seeds: a whole number as such (42, not 42.0)."""
    if not _finite(value):
        return DASH
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def mean_sd(mean: float | None, sd: float | None, deterministic: bool = False, digits: int = 4) -> str:
    """``mean ± sd`` over seeds; ``mean (deterministic)`` or the mean alone when there is no spread."""
    if not _finite(mean):
        return DASH
    if deterministic:
        return f"{number(mean, digits)} (deterministic)"
    if not _finite(sd) or sd == 0:
        return number(mean, digits)  # one seed, or every seed the same: no spread to show
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def direction(diff: float | None, significant: bool) -> str:
    """:data:`UP`/:data:`DOWN` for a significant difference, nothing otherwise."""
    if not significant or not _finite(diff) or diff == 0:
        return ""
    return UP if diff > 0 else DOWN


def code_list(names: Iterable[str]) -> str:
    """```a`, `b``` (Markdown code), or ``none``."""
    names = list(names)
    return ", ".join(f"`{n}`" for n in names) if names else "none"
