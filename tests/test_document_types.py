"""One table of canonical document types (gateway.canonical.DOCUMENT_TYPES): every place that lists the
documents follows it, so a document type added there is applied, rendered, schema'd and written as XML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway import lifecycle
from gateway.canonical import DOCUMENT_CLASSES, DOCUMENT_TYPES, carried_by, document_type, meant_by
from gateway.cli import main
from gateway.cli.x12_translate import SETS
from mappers.x12.translate import WRITERS
from mappers.xml import ROOTS
from schemas.json.generate import DOCUMENTS, HERE


def test_every_document_type_is_applied_written_as_x12_and_xml_and_has_its_json_schema() -> None:
    assert set(lifecycle.HANDLERS) == set(DOCUMENT_CLASSES)
    assert set(ROOTS.values()) == set(DOCUMENT_CLASSES)
    assert {DOCUMENTS[t.slug] for t in DOCUMENT_TYPES} == set(DOCUMENT_CLASSES)
    assert all((HERE / f"{t.slug}.schema.json").is_file() for t in DOCUMENT_TYPES)
    assert {s for t in DOCUMENT_TYPES for s in t.sets} == set(WRITERS) == set(SETS)


def test_each_set_carries_the_types_the_workflow_says() -> None:
    assert [t.name for t in carried_by("860")] == ["PurchaseOrderVersion", "PurchaseOrderChange", "Cancellation",
                                                   "Confirmation"]
    assert [t.name for t in carried_by("855")] == ["VendorResponse"]
    # An 850-replace vendor gets confirmations and cancellations as 850s; a bare 850 is still a PO version.
    assert [t.name for t in carried_by("850")] == ["PurchaseOrderVersion", "Cancellation", "Confirmation"]
    assert [getattr(meant_by(s), "name", None) for s in ("850", "860", "865")] == ["PurchaseOrderVersion", None,
                                                                                  "VendorResponse"]
    with pytest.raises(KeyError, match="'Invoice' is not a canonical document type; known: PurchaseOrderVersion"):
        document_type("Invoice")


@pytest.mark.parametrize(("entry", "message"), [
    ({"type": "Invoice", "document": {}}, "'Invoice' is not a canonical document type"),
    ({"type": "Receipt", "document": {}}, "an 860 does not carry a Receipt; it carries PurchaseOrderVersion, "
                                          "PurchaseOrderChange, Cancellation, Confirmation"),
    ({"po_number": "PO-1"}, 'an 860 carries several kinds of documents: give an entry {"type": '
                            '"PurchaseOrderVersion" | "PurchaseOrderChange" | "Cancellation" | "Confirmation"'),
])
def test_render_names_the_types_a_set_carries(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              entry: dict[str, object], message: str) -> None:
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(entry))
    code = main(["render", "--type", "860", "--partner", "fabrikam", str(source)])
    _, err = capsys.readouterr()
    assert code == 1 and message in err and "Traceback" not in err
