"""The one refusal type: ``Refused(code, **params)``.

Every "no" the portal says to a request (a flow step not allowed, a verification mark refused, a document outside
scope, a closed month, a broken data rule, an API write) is a ``Refused`` or a subclass. It carries a ``code`` and
its ``params``, never a rendered sentence: the web layer turns it into a Chinese message and an HTTP status in one
place (``app.errors.refusal_message`` / ``refusal_status``), the same for screens and the API. Pure: no Flask.
"""
from __future__ import annotations


class Refused(Exception):
    """A request refused before anything is saved. ``status`` is the HTTP answer (400 unless a subclass says)."""

    status = 400
    params: dict = {}  # a dataclass subclass (domain.case_flow.Refusal) sets its own fields instead

    def __init__(self, code: str = "", status: int | None = None, **params):
        super().__init__(code)
        self.code = code
        self.params = params
        if status is not None:
            self.status = status
