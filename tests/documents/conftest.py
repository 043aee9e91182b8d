"""Fixtures of the document tests: cleanup of the document table, Redis availability, real Celery processes.

Redis tests use their own DB numbers (REDIS_TEST_DB, 14 by default; the bench uses 13). When Redis is unreachable
they skip, or FAIL when REQUIRE_REDIS=1 (CI sets it), so CI cannot silently lose them.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(ROOT / ".venv" / "bin" / "celery")
REDIS_HOST, REDIS_PORT = "127.0.0.1", int(os.environ.get("REDIS_TEST_PORT", "6379"))
REDIS_TEST_DB = int(os.environ.get("REDIS_TEST_DB", "14"))


def redis_url(db: int = REDIS_TEST_DB) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"


@pytest.fixture()
def clean_documents(app):
    """Empty the document table after the test (and its files stay in the session's documents dir)."""
    yield
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        db.session.rollback()
        db.session.execute(text("DELETE FROM document"))
        db.session.commit()
        db.session.remove()


@pytest.fixture()
def redis_db():
    """A flushed Redis DB for the test; skip (or fail with REQUIRE_REDIS=1) if Redis is not there."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"Redis not reachable on {REDIS_HOST}:{REDIS_PORT}: {exc}"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    client.flushdb()
    yield redis_url()
    client.flushdb()
    client.close()


def celery_env(database_url: str, app_config: dict, tmp_path: Path, broker: str = "") -> dict:
    # The worker runs on the real clock: scripts/test_at.sh's LD_PRELOAD would move (and stall) its scheduler too.
    env = {key: value for key, value in os.environ.items() if key not in ("LD_PRELOAD", "FAKETIME")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=app_config["SECRET_KEY"],
        DOCUMENTS_DIR=app_config["DOCUMENTS_DIR"],
        INSTANCE_DIR=str(tmp_path / "instance"),
        CELERY_BROKER_URL=broker,
        PORTAL_TEST_SLOW_RENDER="1",
        RATELIMIT_ENABLED="0",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


class CeleryProcess:
    def __init__(self, args: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        # Own process group: the finaliser kills the worker and its pool children together.
        self.proc = subprocess.Popen(
            [CELERY, "-A", "app.celery_app:celery", *args], cwd=ROOT, env=env, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"celery exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not logged within {timeout} s:\n{self.log()[-4000:]}")

    def children(self) -> list[int]:
        pids: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                pids += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the whole group, pool children included
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=5)
        self._log.close()


@pytest.fixture()
def celery_process(request):
    """Factory: ``celery_process(args, env, log_path)`` starts `celery -A app.celery_app:celery …`; every process
    started is killed (with its process group) when the test ends, whatever happens."""
    started: list[CeleryProcess] = []

    def start(args, env, log_path):
        process = CeleryProcess(args, env, log_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
