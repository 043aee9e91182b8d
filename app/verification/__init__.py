"""Door-to-door verification (issue 6): the phone sweep, roster, quota and coverage, cross checks,
self-declaration and window cases."""
