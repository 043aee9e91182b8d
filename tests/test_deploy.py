"""What the docker image runs, exercised here without a Docker engine: the boot script parses, the compose file
describes the five services with health checks and shared volumes, and gunicorn serves the app factory."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_boot_script_parses():
    subprocess.run(["sh", "-n", str(ROOT / "docker" / "boot.sh")], check=True)


def test_the_compose_file_runs_web_worker_beat_db_and_redis():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "docker" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "db", "redis"):
        assert "healthcheck" in services[name], name
    env = services["web"]["environment"]
    env = env if isinstance(env, dict) else dict(item.split("=", 1) for item in env)
    assert env["DATABASE_URL"].startswith("postgresql")
    assert "CELERY_BROKER_URL" in env and "SECRET_KEY" in env
    web_volumes = {str(v).split(":")[0] for v in services["web"].get("volumes", [])}
    worker_volumes = {str(v).split(":")[0] for v in services["worker"].get("volumes", [])}
    assert web_volumes & worker_volumes, "web and worker must share the documents volume"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_the_app_factory(database_url, _session_app, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "deploy-test",
           "INSTANCE_DIR": str(tmp_path), "RATELIMIT_ENABLED": "false"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "app:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert response.status == 200
                    assert b'"database":"ok"' in response.read().replace(b" ", b"")
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(server.stderr.read().decode() if server.poll() is not None else "timeout")
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            assert "上钢新村街道" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
