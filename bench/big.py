"""A data file of nearly 4 MiB, the largest jixiao reads, for `make bench`:
the first synthetic `national` document with its projects repeated, each
goal made long, until the file is 4 MiB less a margin.

usage: big.py CORPUS_YEAR_FOLDER OUT_FILE
"""
import pathlib
import re
import sys

corpus, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
source = next(p for p in sorted(corpus.glob("*-national.yaml"))).read_text()
lines = source.split("\n")
start = lines.index("projects:")
end = next(k for k in range(start + 1, len(lines)) if re.match(r"^[a-z_]+:", lines[k]))
head = "\n".join(lines[: start + 1]) + "\n"
tail = "\n".join(lines[end:])
projects = [p for p in re.split(r"(?m)^(?=- )", "\n".join(lines[start + 1 : end]) + "\n") if p.strip()]
limit = 4 * 1024 * 1024 - 30_000
parts, size, n = [head], len(head.encode()) + len(tail.encode()), 0
while size < limit:
    project = re.sub(r"(?m)^(  goal: >-\n    )(.*)$", lambda m: m.group(1) + m.group(2) * 30, projects[n % len(projects)], count=1)
    project = re.sub(r"(?m)^  name: (.*)$", lambda m: f"  name: 第{n}项{m.group(1)}", project, count=1)
    parts.append(project)
    size += len(project.encode())
    n += 1
parts.append(tail)
target.parent.mkdir(parents=True, exist_ok=True)
target.write_text("".join(parts))
