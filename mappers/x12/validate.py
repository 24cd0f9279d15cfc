"""Validation of X12 interchanges: bytes in, errors as data out.

`validate(data, encoding=...)` (or `validate_file` / `iter_validate` for large inputs) is the one interface
the rest of the gateway uses; which validator checks each set's contents is a setting, not a change to mappers
or acknowledgments. The work is split in modules behind this one:

- `validate_report`: the report classes (errors with the codes an ack needs, X12.md section 8);
- `validate_interchange`: the envelope pass (ISA/IEA, GS/GE, ST/SE pairing, counts, control numbers) over
  the segments `mappers.x12.envelope` streams out;
- `validate_api`: the seam between them (`SetValidator`, `SetSink`);
- `compiled`: the maps compiled into tables walked by a small state machine (the default);
- `validate_pyx12`: each set's contents through pyx12's walker and element checks (`--validator pyx12`).

Input is decoded and cut into segments piece by piece: memory holds one piece of the input and the current
transaction set (a single set is held whole), plus one small SetReport per set for the acknowledgment.
"""

from __future__ import annotations

import codecs
import functools
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mappers.x12.envelope import Limits
from mappers.x12.validate_api import ChooseValidator, SetValidator
from mappers.x12.validate_interchange import InterchangeCheck, Listener, PrivateCodes, interchange_checks
from mappers.x12.validate_report import (
    GroupReport,
    InterchangeReport,
    Level,
    SetReport,
    ValidationError,
    ValidationReport,
)

__all__ = ["VALIDATORS", "GroupReport", "InterchangeReport", "Level", "PrivateCodes", "SetReport",
           "ValidationError", "ValidationReport", "Validator", "decode", "default_validator",
           "iter_checks", "iter_validate", "validate", "validate_file", "validate_with", "validator_name"]

CHUNK = 1 << 20  # bytes decoded at a time
VALIDATORS = ("compiled", "pyx12")
"""`compiled`: the maps compiled into tables (mappers.x12.compiled); `pyx12`: pyx12's walker (the oracle)."""


Validator = SetValidator
"""The seam: what checks each set against the maps (`validate_api.SetValidator`)."""


def decode(data: bytes, encoding: str) -> tuple[str, bool]:
    """The text to validate and whether non-ASCII characters are allowed.

    With an ASCII partner every byte becomes one character (latin-1), so a stray byte is reported as an
    invalid character in its element instead of failing the whole file. With a wider encoding the text is
    decoded as the partner sends it; undecodable bytes become U+FFFD and are reported the same way.
    """
    name, wide = _codec(encoding)
    return data.decode(name, errors="replace"), wide


def _codec(encoding: str) -> tuple[str, bool]:
    name = codecs.lookup(encoding).name
    return ("latin-1", False) if name == "ascii" else (name, True)


def _pieces(source: BinaryIO, name: str) -> Iterator[str]:
    """`source` decoded CHUNK bytes at a time (a character cut between two chunks is kept whole)."""
    decoder = codecs.getincrementaldecoder(name)(errors="replace")
    while True:
        raw = source.read(CHUNK)
        text = decoder.decode(raw, final=not raw)
        if text:
            yield text
        if not raw:
            return


def validator_name(name: str | None = None) -> str:
    """`name`, or the GATEWAY_X12_VALIDATOR setting, or "compiled"; an unknown name is an error naming the
    choices."""
    chosen = name or os.environ.get("GATEWAY_X12_VALIDATOR") or "compiled"
    if chosen not in VALIDATORS:
        raise ValueError(f"unknown X12 validator {chosen!r} (GATEWAY_X12_VALIDATOR or --validator): choose one of "
                         f"{', '.join(VALIDATORS)}")
    return chosen


def validate(data: bytes, *, encoding: str = "ascii", map_path: str | None = None,
             limits: Limits | None = None, private_codes: PrivateCodes | None = None,
             validator: str | None = None) -> ValidationReport:
    """Validate every interchange in `data`; see `validate_report` for what the errors hold.

    `private_codes(ISA05, ISA06)` names the elements ("REF01") where that sender's codes outside the X12 list
    are warnings (`SetReport.warnings`) instead of errors (gateway.x12_profiles.private_codes gives it per
    partner).

    Without `map_path`, each interchange is checked with our runtime map directory for its ISA12 (strict
    004010 lengths for 00401, see `mappers.x12.maps`), or pyx12's own maps when ours are not installed.
    `validator` is "compiled" or "pyx12" (default: the GATEWAY_X12_VALIDATOR setting, else compiled).
    """
    return ValidationReport(list(iter_validate(data, encoding=encoding, map_path=map_path, limits=limits,
                                               private_codes=private_codes, validator=validator)))


def validate_file(path: str | Path, *, encoding: str = "ascii", map_path: str | None = None,
                  limits: Limits | None = None, private_codes: PrivateCodes | None = None,
                  validator: str | None = None) -> ValidationReport:
    """`validate` on a file read piece by piece: memory does not grow with the file's size."""
    with open(path, "rb") as f:
        return ValidationReport(list(iter_validate(f, encoding=encoding, map_path=map_path, limits=limits,
                                                   private_codes=private_codes, validator=validator)))


def iter_validate(source: bytes | BinaryIO, *, encoding: str = "ascii", map_path: str | None = None,
                  limits: Limits | None = None, private_codes: PrivateCodes | None = None,
                  validator: str | None = None) -> Iterator[InterchangeReport]:
    """One report per interchange, each yielded complete as soon as its IEA (or the end of input) is read.
    `limits` bounds what is read at once (`mappers.x12.envelope.Limits`)."""
    checks = iter_checks(source, encoding=encoding, map_path=map_path, limits=limits, private_codes=private_codes,
                         validator=validator)
    return (check.run() for check in checks)


def iter_checks(source: bytes | BinaryIO, *, encoding: str = "ascii", map_path: str | None = None,
                limits: Limits | None = None, private_codes: PrivateCodes | None = None,
                validator: str | None = None, listener: Listener | None = None) -> Iterator[InterchangeCheck]:
    """`iter_validate` one interchange check at a time, each to be run (`run`, or `steps` to act on each set as it
    closes) before the next is taken; `listener` is told of each set and group instead of their reports keeping
    them (`validate_interchange.Listener`)."""
    kind = validator_name(validator)
    return _checks(source, encoding, lambda isa12: default_validator(
        map_path if map_path is not None else _our_map_dir(isa12), kind), limits, private_codes, listener)


def validate_with(data: bytes, encoding: str, choose: ChooseValidator) -> ValidationReport:
    """`validate` with the validator for each interchange chosen by `choose(ISA12)`."""
    return ValidationReport([check.run() for check in _checks(data, encoding, choose)])


def _checks(source: bytes | BinaryIO, encoding: str, choose: ChooseValidator, limits: Limits | None = None,
            private_codes: PrivateCodes | None = None, listener: Listener | None = None,
            ) -> Iterator[InterchangeCheck]:
    name, wide = _codec(encoding)  # raises LookupError for an unknown encoding before anything is read
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    return interchange_checks(_pieces(stream, name), wide, choose, limits, private_codes, listener)


@functools.lru_cache(maxsize=8)
def default_validator(map_path: str | None = None, kind: str | None = None) -> SetValidator:
    """One validator per map directory, kind and process: maps are loaded (and compiled) once and kept. Each
    kind is imported when first asked for: pyx12's walker is not loaded by a pass that does not use it."""
    if validator_name(kind) == "pyx12":
        from mappers.x12.validate_pyx12 import Pyx12Validator

        return Pyx12Validator(map_path)
    from mappers.x12.compiled import CompiledValidator

    return CompiledValidator(map_path)


def _our_map_dir(isa12: str | None = None) -> str | None:
    try:
        from mappers.x12 import maps
    except ImportError:  # our maps are not installed: pyx12's own maps (997/999) still work
        return None
    return str(maps.map_dir("00401" if isa12 == "00401" else None))
