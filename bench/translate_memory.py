"""Peak memory of `gateway translate` on one PO of 200,000 lines (~7 MB), as a user runs it.

    .venv/bin/python bench/translate_memory.py [--lines N] [--rounds R] [--against DIR]

Generates the 850, then runs `gateway translate FILE > /dev/null` under `/usr/bin/time -v` and prints its
maximum resident set size, CPU time (user + system: what load on a shared machine changes least) and wall
time, with the load average beside them (a benchmark, not a test).
`--against DIR` runs a second checkout too (e.g. `git worktree add /tmp/base main`), alternating with this one
for `--rounds` rounds in the same run, so that both meet the same load; the median of each is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(path: Path, lines: int) -> None:
    segs = ["ST*850*0001", "BEG*00*SA*4500000001**20261120", "CUR*BY*USD", "N1*ST*CONTOSO DC*92*0012"]
    segs += [f"PO1*{n}*{10 + n % 90}*EA*{9 + n % 50}.25**VN*AB{n:06d}" for n in range(1, lines + 1)]
    segs += [f"CTT*{lines}"]
    segs.append(f"SE*{len(segs) + 1}*0001")
    with path.open("w", encoding="ascii") as out:
        out.write("ISA*00*          *00*          *ZZ*CONTOSO        *ZZ*LITWARE        *261120*0930*U*00401*"
                  "000000101*0*P*>~\nGS*PO*CONTOSO*LITWARE*20261120*0930*101*X*004010~\n")
        out.write("".join(s + "~\n" for s in segs))
        out.write("GE*1*101~\nIEA*1*000000101~\n")


def measure(tree: Path, path: Path) -> tuple[float, float, float]:
    """(peak RSS in MB, CPU seconds, wall seconds) of `gateway translate` run from the checkout `tree`."""
    code = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    run = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code, "translate", str(path)],
                         cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        raise SystemExit(f"translate failed in {tree}:\n{run.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", run.stderr))
    assert rss and wall
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return int(rss.group(1)) / 1024, cpu, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--against", type=Path, help="another checkout to run alternately (the 'before')")
    args = parser.parse_args()
    trees = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    with tempfile.TemporaryDirectory(prefix="x12mem") as tmp:
        path = Path(tmp, "po.edi")
        generate(path, args.lines)
        print(f"{args.lines:,} PO1 lines, {path.stat().st_size / 1e6:.1f} MB; python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPU(s)")
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
        for round_ in range(1, args.rounds + 1):
            for name, tree in trees.items():
                rss, cpu, seconds = measure(tree, path)
                results[name].append((rss, cpu, seconds))
                print(f"round {round_} {name:8} peak RSS {rss:7.0f} MB  CPU {cpu:6.1f} s  wall {seconds:6.1f} s  "
                      f"(load {os.getloadavg()[0]:.2f})", flush=True)
        for name, found in results.items():
            rss, cpu, seconds = (statistics.median(r[i] for r in found) for i in range(3))
            print(f"median {name:8} peak RSS {rss:7.0f} MB  CPU {cpu:6.1f} s  wall {seconds:6.1f} s  ({trees[name]})")


if __name__ == "__main__":
    main()
