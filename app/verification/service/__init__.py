"""Verification's transactions and read models, one module per part of the work. No ``g.user``: every function
takes the acting user explicitly. Nothing commits unless its docstring says so: the caller commits (one request =
one transaction).

- ``reach``: the refusal type, the local day, and who may verify where (scoping, with ONE explicit exception: a
  team member assigned to a cross check in a committee of another zone, during that month);
- ``marking``: the sweep's marks (correct, 应消未消, 应登未登), the team on a visit, and undoing a wrong mark;
- ``roster``: the month's duty roster (verification days, day and night groups);
- ``cross_checks``: cross-check assignments and the summary of what they found;
- ``workstation``: self-declarations and window cases checked against the register;
- ``queries``: what the sweep, coverage and quota pages read.
"""
