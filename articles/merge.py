"""
A field-level three-way merge of article contents: no edit is lost when two people save.

Each field is compared as a whole value (a headline, a body, an ordered list of authors): a field
only one side changed since the common ``base`` is taken from that side, a field both sides
changed to the same value is simply that value, and a field both changed differently is a
conflict for a person to resolve. Nothing here touches the database; ``articles.admin`` does.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Conflict:
    """A field both sides changed, each differently, since ``base``."""

    field: str
    base: Any
    theirs: Any
    mine: Any


@dataclass(frozen=True)
class MergeResult:
    """
    ``merged`` holds every field that merged cleanly; a conflicting field is left out of it (it
    has no right value until someone chooses one) and is in ``conflicts`` instead.
    ``taken_from_theirs`` names the fields whose merged value is the other side's change.
    """

    merged: dict
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    taken_from_theirs: list[str] = field(default_factory=list)


def three_way_merge(base, theirs, mine, fields=None):
    """
    Merge ``mine`` and ``theirs``, two contents that both started from ``base``.

    ``fields`` defaults to every key of the three; a key one of them lacks counts as ``None``.
    """
    if fields is None:
        fields = list(dict.fromkeys([*base, *theirs, *mine]))
    merged, conflicts, taken_from_theirs = {}, {}, []
    for name in fields:
        old, their_value, my_value = base.get(name), theirs.get(name), mine.get(name)
        if my_value == their_value or their_value == old:
            merged[name] = my_value
        elif my_value == old:
            merged[name] = their_value
            taken_from_theirs.append(name)
        else:
            conflicts[name] = Conflict(name, old, their_value, my_value)
    return MergeResult(merged, conflicts, taken_from_theirs)
