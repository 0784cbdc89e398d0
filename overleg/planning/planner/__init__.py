"""The twice-yearly planner: propose a date and time for every missing meeting, all at once.

Pure and deterministic: the planner works on plain dataclasses, never on the database
(`overleg.planning.services` loads a `PlanningProblem` from it). The same problem always gives
the same plan.

Hard rules (a plan that breaks one is never returned):
- no two meetings overlap for a person invited as required or chair (existing meetings included);
- no blocked day (Belgian public holidays, 11 July, Flemish school holidays; each switchable);
- the meeting lies inside the municipality's time window, on a weekday (a weekend day only when the
  municipality lists it as preferred), inside the period;
- at most `max_per_day` meetings per day per person;
- at least `min_spacing_days` between two meetings of one municipality (existing ones included);
- a time a required person said does not suit them (availability poll) is not used, and a
  municipality that was polled gets one of the slots offered in the poll.

Soft preferences (a penalty each; the plan minimises their sum): preferred weekdays, preferred
start time, last year's rhythm (the same week as last year), an even load over the weeks per
person (meetings beyond the person's fair share of a week), and the invitees who are not required
but said in the poll that a slot does not suit them.

When no plan exists, the answer names the rules that collide for which municipalities and holds no
proposals: never a partial plan.

The modules:
- `problem`: the input types, the clock and calendar helpers, the checks of the input;
- `result`: the output types (plan, proposals, notes, problems, violations);
- `occupancy`: the period's days, the meetings to place, who is taken when;
- `candidates`: construction, every meeting with its candidate slots;
- `search`: the `Planner` and its steps (search, improve), `plan_period`, `alternative_slots`;
- `anneal`: the simulated annealing step;
- `explain`: the notes of a proposal and the problem of a dead end;
- `check`: the independent hard-rule check and the soft penalty of any plan.
"""

from overleg.planning.planner.check import check_assignments, plan_penalty
from overleg.planning.planner.problem import (
    Absence,
    Assignment,
    Busy,
    Dislike,
    MunicipalityRequest,
    PlanningProblem,
    Weights,
    local_datetime,
)
from overleg.planning.planner.result import Note, Plan, Problem, Proposal, Violation
from overleg.planning.planner.search import alternative_slots, plan_period

__all__ = [
    "Absence",
    "Assignment",
    "Busy",
    "Dislike",
    "MunicipalityRequest",
    "Note",
    "Plan",
    "PlanningProblem",
    "Problem",
    "Proposal",
    "Violation",
    "Weights",
    "alternative_slots",
    "check_assignments",
    "local_datetime",
    "plan_penalty",
    "plan_period",
]
