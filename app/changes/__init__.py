"""The change flow (issue 5): discovery → collection → entry/cancellation, on the clock; AB roles; the guards'
visitor log; notifications. Pure rules live in app/domain/case_flow.py; this package holds the tables
(models.py), the transactions (service.py), the daily check (tasks.py) and the screens (views.py)."""
