"""Ablation families (``statistics.families``): which family a system belongs to, what it is
compared with, and whether the config's ``against`` entries make sense.

Plain name matching, no statistics: the config check (irgan.study.config) runs it in every rule.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from irgan.errors import ConfigError


def ablation_family_of(system: str, families: dict) -> str:
    """The first family whose ``systems`` patterns (fnmatch) match, else ``other``."""
    for name, spec in families.items():
        if any(fnmatch.fnmatchcase(system, pattern) for pattern in spec.get("systems", [])):
            return name
    return "other"


def comparator_of(system: str, families: dict, reference: str) -> str:
    """What an ablation is compared with: its family's ``against`` entry for it, else the reference.

    ``against`` maps a member (a system name or an fnmatch pattern, first match wins) to the
    system it differs from in one respect only - e.g. D's data redrawn from this project's DNS
    start against the first-sample run from the same start, not against the reference.
    """
    family = families.get(ablation_family_of(system, families), {})
    for pattern, comparator in (family.get("against") or {}).items():
        if fnmatch.fnmatchcase(system, pattern):
            return comparator
    return reference


def check_families(families: dict, irgan_systems: Iterable[str], reference: str,
                   source: str = "config") -> None:
    """The families' ``against`` entries name members of their family and systems that exist.

    ``irgan_systems``: every IRGAN system the config defines (irgan-<variant>, the originals).
    One :class:`~irgan.errors.ConfigError` naming the key.
    """
    known = set(irgan_systems) | {reference}
    for name, spec in families.items():
        for member, comparator in (spec.get("against") or {}).items():
            key = f"{source}: key statistics.families.{name}.against.{member}"
            if ablation_family_of(member, families) != name:
                raise ConfigError(f"{key}: {member!r} is not a member of the family "
                                  f"(systems: {', '.join(spec.get('systems', []))}; a system "
                                  "belongs to the first family whose patterns match it)")
            if comparator not in known:
                raise ConfigError(f"{key}: the comparator {comparator!r} is not an IRGAN system of "
                                  f"the config (irgan-<variant> of irgan.variants, or {reference})")
            if fnmatch.fnmatchcase(comparator, member):
                raise ConfigError(f"{key}: a system cannot be its own comparator")
