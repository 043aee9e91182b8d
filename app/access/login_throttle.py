"""Temporary sign-in locks per account name and per client address, with a growing delay.

Five wrong passwords used to deactivate the account, so anyone could lock anyone out (the admin too) until an
admin stepped in. Now a lock only delays: after ``LOGIN_MAX_FAILURES`` failures of one name (or
``LOGIN_ADDRESS_MAX_FAILURES`` from one address, which catches one client trying many names) sign-in is refused for
``LOGIN_LOCK_SECONDS``, doubled with every further failure up to ``LOGIN_LOCK_MAX_SECONDS``; the account stays
active. Attempts during a lock are refused without checking the password and do not lengthen it. The owner is
told at the next successful sign-in how many failures there were. Used by both the HTML and the API login
(app/access/security.py). Never commits: the security manager does, as FAB's own sign-in does.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from flask import current_app
from sqlalchemy import select

from app.domain import clock
from app.extensions import db
from app.models.access import LoginLock

ACCOUNT = "account"
ADDRESS = "address"


def account_key(username) -> str:
    return str(username or "").strip().lower()[:256]


def lock_seconds(failures: int, threshold: int, base: int, cap: int) -> int:
    """0 below the threshold; then base, 2×base, 4×base… for each failure past it, never more than cap."""
    if threshold <= 0 or failures < threshold:
        return 0
    return min(cap, base * 2 ** min(failures - threshold, 30))


@dataclass
class Refusal:
    until: dt.datetime  # naive UTC

    def minutes_left(self, now: dt.datetime) -> int:
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


def _row(kind: str, key: str, create: bool = False) -> Optional[LoginLock]:
    row = db.session.scalar(select(LoginLock).where(LoginLock.kind == kind, LoginLock.key == key))
    if row is None and create:
        row = LoginLock(kind=kind, key=key, failures=0, unseen=0)
        db.session.add(row)
    return row


def current_lock(username, address: Optional[str]) -> Optional[Refusal]:
    """The lock that refuses this attempt now, if any (the later of the account's and the address's)."""
    now = clock.utcnow()
    ends = []
    for kind, key in ((ACCOUNT, account_key(username)), (ADDRESS, address or "")):
        row = _row(kind, key) if key else None
        if row is not None and row.locked_until is not None and row.locked_until > now:
            ends.append(row.locked_until)
    return Refusal(max(ends)) if ends else None


def note_refused(username, address: Optional[str]) -> None:
    """An attempt during a lock: the owner hears of it, the lock does not grow."""
    row = _row(ACCOUNT, account_key(username))
    if row is not None:
        row.unseen += 1
        row.last_failure_at, row.last_address = clock.utcnow(), (address or "")[:64]


def note_failure(username, address: Optional[str]) -> None:
    """A wrong password (or unknown name): count it for the name and the address; lock past the thresholds."""
    config = current_app.config
    now = clock.utcnow()
    window = dt.timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    limits = {ACCOUNT: config["LOGIN_MAX_FAILURES"], ADDRESS: config["LOGIN_ADDRESS_MAX_FAILURES"]}
    for kind, key in ((ACCOUNT, account_key(username)), (ADDRESS, (address or "")[:256])):
        if not key:
            continue
        row = _row(kind, key, create=True)
        if row.last_failure_at is not None and now - row.last_failure_at > window:
            row.failures = 0  # a quiet hour forgets old failures (the owner's notice keeps counting)
        row.failures = (row.failures or 0) + 1
        if kind == ACCOUNT:
            row.unseen = (row.unseen or 0) + 1
        row.last_failure_at, row.last_address = now, (address or "")[:64]
        seconds = lock_seconds(row.failures, limits[kind], config["LOGIN_LOCK_SECONDS"],
                               config["LOGIN_LOCK_MAX_SECONDS"])
        if seconds:
            row.locked_until = now + dt.timedelta(seconds=seconds)


@dataclass
class Notice:
    failures: int
    last_at: Optional[dt.datetime]
    last_address: str


def note_success(username, *, tell_owner: bool) -> Optional[Notice]:
    """A right password: the name's failures are forgotten. With ``tell_owner`` (the HTML sign-in, where a message
    can be shown) the failures since the last sign-in are returned once; an API sign-in leaves them for later."""
    row = _row(ACCOUNT, account_key(username))
    if row is None:
        return None
    notice = Notice(row.unseen, row.last_failure_at, row.last_address or "") if row.unseen else None
    row.failures, row.locked_until = 0, None
    if tell_owner:
        row.unseen = 0
        return notice
    return None


def active_locks() -> list[LoginLock]:
    """The locks in force now, longest first (the admin's list)."""
    return list(db.session.scalars(select(LoginLock).where(LoginLock.locked_until > clock.utcnow())
                                   .order_by(LoginLock.locked_until.desc(), LoginLock.id)))


def lift(lock_id: int) -> Optional[LoginLock]:
    """An admin lifts a lock: the delay and the failure count go (the owner's notice stays)."""
    row = db.session.get(LoginLock, lock_id)
    if row is not None:
        row.locked_until, row.failures = None, 0
    return row
