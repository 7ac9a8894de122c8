"""`jixiao watch` in `make bench`: how long after a data file is saved its
rebuild's summary is shown, the worker warm (the 11-page 攀枝花 seed).
Prints `pages=… latency=… build=…` (seconds).

usage: watch.py JIXIAO WORK_FOLDER
"""
import pathlib
import re
import shutil
import subprocess
import sys
import time

jixiao, work = sys.argv[1], pathlib.Path(sys.argv[2])
shutil.rmtree(work, ignore_errors=True)
(work / "data").mkdir(parents=True)
data = work / "data" / "panzhihua.yaml"
text = pathlib.Path("data/2022/panzhihua-renhe-rd.yaml").read_text()
data.write_text(text)
watch = subprocess.Popen(
    [jixiao, "watch", "--data", str(work / "data"), "--out", str(work / "out")],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
)


def summary():
    for line in watch.stdout:
        if line.startswith("built "):
            return line


try:
    summary()
    latencies = []
    for round in range(5):
        time.sleep(0.5)
        data.write_text(text.replace("附件3", f"附件3（{round}）", 1) if "附件3" in text else text + f"\n# {round}\n")
        saved = time.monotonic()
        line = summary()
        latencies.append((time.monotonic() - saved, line))
    latency, line = sorted(latencies)[len(latencies) // 2]
    pages = re.search(r"(\d+) pages", line).group(1)
    build = re.search(r"([\d.]+) s", line).group(1)
    print(f"pages={pages} latency={latency:.3f} build={build}")
finally:
    watch.kill()
