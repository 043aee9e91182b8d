"""Backups (issue 13 item 4): service.py (backup, restore, prune), cli.py (`flask backup`, `flask restore`),
tasks.py (the nightly run from beat)."""
