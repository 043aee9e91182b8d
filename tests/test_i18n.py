"""Every msgid of ours has a zh translation, and so does every string FAB's own zh catalog leaves empty."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import flask_appbuilder
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
OUR_CATALOG = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def _extract(source: Path, mapping: str, out: Path) -> set[str]:
    cfg = out.with_suffix(".cfg")
    cfg.write_text(mapping)
    subprocess.run(
        [*PYBABEL, "extract", "-F", str(cfg), "-k", "_l", "-k", "lazy_gettext", "-k", "_", "-k", "gettext",
         "-k", "__", "-k", "lazy_formatter_gettext", "-o", str(out), str(source)],
        check=True, capture_output=True, cwd=ROOT,
    )
    with out.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def _translated() -> dict[str, str]:
    with OUR_CATALOG.open("rb") as f:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): (m.string if isinstance(m.string, str) else m.string[0])
            for m in read_po(f) if m.id and not m.fuzzy
        }


def test_every_msgid_of_ours_has_a_zh_translation(tmp_path):
    ours = _extract(ROOT, (ROOT / "babel.cfg").read_text(), tmp_path / "ours.pot")
    translated = {k for k, v in _translated().items() if v}
    assert ours, "extraction found nothing: is babel.cfg right?"
    assert sorted(ours - translated) == []


def test_fab_strings_left_empty_in_its_zh_catalog_are_supplied(tmp_path):
    fab_dir = Path(flask_appbuilder.__file__).parent
    fab_ids = _extract(fab_dir, "[python: **.py]\n[jinja2: **/templates/**.html]\n", tmp_path / "fab.pot")
    with (fab_dir / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        fab_zh = {m.id for m in read_po(f) if m.id and m.string}
    ours = {k for k, v in _translated().items() if v}
    assert sorted(fab_ids - fab_zh - ours) == []


def test_the_compiled_catalog_is_used(admin_client):
    html = admin_client.get("/persons/add").get_data(as_text=True)
    assert "证件类型" in html and "居民身份证" in html
