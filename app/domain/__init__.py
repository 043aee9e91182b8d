"""Domain rules of the population plan as plain Python.

Nothing in this package imports Flask or SQLAlchemy: each rule is a function or a small class that the
views, the CLI and the background tasks call, and that the tests in tests/domain/ exercise directly.
"""
