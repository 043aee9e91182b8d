"""Issue 12 item 9: the zh catalog uses the words a Shanghai office would use (the plan's own where it has one)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parent.parent / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def _zh() -> dict[str, str]:
    with CATALOG.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and isinstance(m.id, str)}


def test_one_word_for_a_change_case_and_the_plans_words():
    zh = _zh()
    texts = list(zh.values())
    # 变动事项 for a change case, never 变动报告 / 变动个案; no 自查, 非排班, 级次; 居民区, not 居委 (the importer's
    # column header 居委 and the role title 居委会主任 excepted).
    for word in ("变动报告", "变动个案", "自查", "非排班", "级次"):
        assert not [t for t in texts if word in t], word
    assert zh["Change case"] == "变动事项" and zh["Change cases"] == "变动事项"
    assert zh["On roster"] == "按排班核查" and zh["Off roster"] == "排班外核查"
    assert zh["From elsewhere in China"] == "境内外来沪人员" and zh["From outside China"] == "境外人员"
    assert zh["Committees"] == "居民区" and zh["Change"] == "变动类型"
    stray = [t for t in texts if "居委" in t and "居委会主任" not in t and "表头" not in t and "居委为空" not in t
             and "居委“" not in t and "其他居委居住" not in t]
    assert stray == []
