"""The zh catalog's merge driver (scripts/po_merge.py): three branches each edit messages.po, and a merge must keep
every side's additions and every translation changed on one side only."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _po(path: Path, entries: dict) -> Path:
    path.write_text("".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in entries.items()), encoding="utf-8")
    return path


def _merge(tmp_path, base, ours, theirs) -> dict:
    paths = [_po(tmp_path / f"{name}.po", entries)
             for name, entries in (("base", base), ("ours", ours), ("theirs", theirs))]
    subprocess.run([sys.executable, str(ROOT / "scripts" / "po_merge.py"), *map(str, paths)], check=True)
    with open(paths[1], "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_a_translation_changed_on_their_side_only_is_taken(tmp_path):
    merged = _merge(tmp_path, {"Form handed out": "已发表"}, {"Form handed out": "已发表", "Mine": "我的"},
                    {"Form handed out": "已发放登记表", "Theirs": "他们的"})
    assert merged == {"Form handed out": "已发放登记表", "Mine": "我的", "Theirs": "他们的"}


def test_ours_wins_where_both_sides_changed_a_translation(tmp_path):
    merged = _merge(tmp_path, {"Saved.": "已保存"}, {"Saved.": "已保存。"}, {"Saved.": "保存成功"})
    assert merged == {"Saved.": "已保存。"}


def test_an_entry_ours_deleted_unchanged_stays_deleted(tmp_path):
    merged = _merge(tmp_path, {"Old": "旧", "Kept": "留"}, {"Kept": "留"}, {"Old": "旧", "Kept": "留"})
    assert merged == {"Kept": "留"}
