"""The analysis loop (issue 17): rules that find gaps, findings as tasks, the dashboard, sampled verification."""
