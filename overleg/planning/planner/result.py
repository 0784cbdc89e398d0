"""The planner's output: a plan of proposals, or the problems that prevent one; rule violations.

Every sentence is a code with parameters; `overleg.planning.texts` turns them into Dutch (or
English) text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Note:
    """One line of an explanation or of a problem; `code` selects the Dutch sentence."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    municipality_id: int
    slug: str
    name: str
    number: int  # 1, 2, ... within the municipality in this plan
    start: datetime  # Europe/Brussels, timezone-aware
    end: datetime
    people: tuple[int, ...]
    penalty: int
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Why no plan exists: the rule(s) that collide, for which municipalities."""

    code: str
    municipalities: tuple[str, ...] = ()  # slugs
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    proposals: tuple[Proposal, ...]
    problems: tuple[Problem, ...]
    penalty: int
    nodes: int = 0  # search nodes used (for the benchmark)

    @property
    def feasible(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Violation:
    """A hard rule broken by a (hand-adjusted) proposal."""

    code: str
    slug: str
    number: int
    params: Mapping[str, object] = field(default_factory=dict)
