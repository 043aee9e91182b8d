"""Git merge driver for the zh catalog: a per-msgid three-way merge — a text changed on one side only takes that
side's change, ours wins where both sides changed one text, entries added on either side are kept.

Branches that each add strings always conflict in a sorted .po file, since their new entries sit next to each
other; a text merge then needs a person for what is only a union. Configure once per clone:
    git config merge.pomerge.driver ".venv/bin/python scripts/po_merge.py %O %A %B"
(.gitattributes already names the driver for translations/*/LC_MESSAGES/messages.po.)
"""
import sys

from babel.messages.pofile import read_po, write_po


def _read(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    base, ours, theirs = _read(base_path), _read(ours_path), _read(theirs_path)
    for message in theirs:
        if not message.id:
            continue
        mine = ours.get(message.id, message.context)
        if mine is None:
            # theirs added it, or ours deleted it: keep it unless ours deleted an entry the base had unchanged
            was = base.get(message.id, message.context)
            if was is not None and was.string == message.string:
                continue
            ours[message.id] = message
        elif message.string and mine.string != message.string:
            # theirs changed a translation that ours left as the base had it (or ours has none): take theirs
            was = base.get(message.id, message.context)
            if not mine.string or (was is not None and was.string == mine.string):
                mine.string = message.string
    with open(ours_path, "wb") as handle:
        write_po(handle, ours, width=76)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
