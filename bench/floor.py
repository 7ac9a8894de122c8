"""The plain-text floor of `make bench`: every string of the sample's
published data (out/**/*.json) as a paragraph of one Typst document in the
body face, and an empty document in the same faces for the CLI's start-up.

usage: floor.py OUT_FOLDER FLOOR.typ STARTUP.typ
"""
import json
import pathlib
import sys

out, floor, startup = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
SETUP = (
    '#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm))\n'
    '#set text(lang: "zh", region: "cn", font: ("FandolFang R", "Noto Serif CJK SC"), size: 16pt)\n'
    "#set par(leading: 0.75em, first-line-indent: (amount: 2em, all: true))\n"
)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def literal(text):
    return json.dumps(text, ensure_ascii=False)


paragraphs = []
for path in sorted(out.rglob("*.json")):
    paragraphs += [f"#par({literal(s)})" for s in strings(json.load(open(path))) if s.strip()]
    paragraphs.append("#pagebreak(weak: true)")
pathlib.Path(floor).write_text(SETUP + "\n".join(paragraphs) + "\n")
pathlib.Path(startup).write_text(SETUP + "#par[一]\n")
