"""Every setting README's table lists is read from the environment and reaches app.config (issue 13 item 7).

The table is parsed, so a setting added to README without being read by config.py fails here. Each variable gets a
distinctive value in a fresh interpreter (config.py reads the environment at import) and the app built there must
carry it.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# README names a variable; the app keeps it under another key (or derives it).
CONFIG_KEY = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "IDLE_TIMEOUT_MINUTES": "PERMANENT_SESSION_LIFETIME"}
# Read outside app.config, by the command that needs it: checked separately below.
NOT_IN_CONFIG = {"ADMIN_PASSWORD"}


def readme_settings() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        names += re.findall(r"`([A-Z][A-Z0-9_<>]*)`", first_cell)
    return names


def sample_value(name: str) -> str:
    if name in {"DATABASE_URL"}:
        return "sqlite:////tmp/h8-settings-probe.db"
    if name.endswith("_URL") or name.endswith("_URI"):
        return "http://probe.example.test:1234/x" if name == "PUBLIC_BASE_URL" else "memory://probe"
    if name == "VERIFICATION_DECLARE_RATE_LIMIT":
        return "7 per minute"
    if name in {"SESSION_COOKIE_SECURE"}:
        return "true"
    if name == "DOCUMENTS_DIR" or name.endswith("_DIR"):
        return "/tmp/h8-settings-probe-dir"
    if name == "SECRET_KEY":
        return "probe-secret-key"
    if name == "WEBHOOK_URLS" or name.endswith("_WEBHOOKS"):
        return "1=http://127.0.0.1:9/hook"
    return "7"


PROBE = r"""
import json, os, sys
from app import create_app
app = create_app()
names = json.loads(sys.argv[1])
out = {}
for env, key in names.items():
    value = app.config.get(key)
    out[env] = value.total_seconds() / 60 if hasattr(value, "total_seconds") else value
print(json.dumps(out, default=str))
"""


def test_readme_lists_the_settings_this_test_knows():
    names = readme_settings()
    assert "PUBLIC_BASE_URL" in names and "VERIFICATION_DECLARE_RATE_LIMIT" in names
    assert len(names) >= 20


def test_every_readme_setting_reaches_app_config(tmp_path):
    names = [n for n in readme_settings() if "<" not in n and n not in NOT_IN_CONFIG]
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("CELERY_", "RULE_"))}
    env.update({n: sample_value(n) for n in names})
    env["CELERY_BROKER_URL"] = ""  # the app is only built, never connected
    env["INSTANCE_DIR"] = str(tmp_path)
    keys = {n: CONFIG_KEY.get(n, n) for n in names}
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(keys)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    missing = []
    for name in names:
        if name == "CELERY_BROKER_URL":
            continue
        expected = sample_value(name)
        got = seen[name]
        if isinstance(got, bool):
            ok = got is True
        elif isinstance(got, (int, float)):
            ok = float(got) == float(expected)
        else:
            ok = str(got) == expected
        if not ok:
            missing.append(f"{name}={expected!r} gave {got!r}")
    assert not missing, "README settings not read from the environment: " + "; ".join(missing)


def test_rule_settings_reach_the_rules(monkeypatch):
    """RULE_<NAME>: a rule override in the environment reaches current_rules()."""
    result = subprocess.run(
        [sys.executable, "-c", "from app import create_app\nfrom app.settings import current_rules\n"
         "app = create_app()\nwith app.app_context(): print(current_rules().collection_days)"],
        cwd=ROOT, env={**__import__("os").environ, "RULE_COLLECTION_DAYS": "5", "CELERY_BROKER_URL": ""},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "5"


def test_admin_password_is_read_by_seed():
    source = (ROOT / "app" / "cli.py").read_text(encoding="utf-8")
    assert 'os.environ.get("ADMIN_PASSWORD")' in source
