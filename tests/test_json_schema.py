"""The committed JSON Schemas of the canonical documents (schemas/json/): up to date, and true to the JSON."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, ValidationError

from gateway.canonical import PurchaseOrderVersion, VendorResponse
from tests.test_canonical_xml import EXPECTED_PO, EXPECTED_RESPONSE, documents

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("canonical_json_schemas", SCHEMA_DIR / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
STEMS: dict[type[BaseModel], str] = {model: stem for stem, model in GENERATOR.DOCUMENTS.items()}


def validator(model: type[BaseModel]) -> Draft202012Validator:
    path = SCHEMA_DIR / GENERATOR.file_name(STEMS[model])
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")), format_checker=FormatChecker())


def test_committed_schemas_are_what_the_generator_writes_now() -> None:
    expected = GENERATOR.render()
    committed = {path.name: path.read_text(encoding="utf-8") for path in SCHEMA_DIR.glob("*.schema.json")}
    assert sorted(committed) == sorted(expected), "stale or missing schema files: run schemas/json/generate.py"
    for name, text in expected.items():
        assert committed[name] == text, f"{name} is out of date: run schemas/json/generate.py"


def test_every_canonical_document_has_a_schema() -> None:
    from mappers.xml import DOCUMENT_TYPES

    assert set(STEMS) == set(DOCUMENT_TYPES)


@pytest.mark.parametrize("name", sorted(GENERATOR.render()))
def test_each_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("model", list(STEMS), ids=lambda m: m.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_canonical_json_validates_against_its_schema(model: type[BaseModel], data: st.DataObject) -> None:
    document = data.draw(documents(model))
    canonical_json = json.loads(document.model_dump_json())
    assert canonical_json == document.model_dump(mode="json")
    errors = [e.message for e in validator(model).iter_errors(canonical_json)]
    assert errors == []


@pytest.mark.parametrize("document", [EXPECTED_PO, EXPECTED_RESPONSE], ids=["po", "response"])
def test_the_hand_written_samples_validate(document: BaseModel) -> None:
    validator(type(document)).validate(document.model_dump(mode="json"))


GOLDEN_X12 = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "x12").glob("*.json"))


@pytest.mark.parametrize("path", GOLDEN_X12, ids=[p.stem for p in GOLDEN_X12])
def test_the_golden_x12_documents_validate_as_written(path: Path) -> None:
    """The hand-written canonical JSON beside each X12 golden file, as it is on disk (not re-dumped)."""
    import gateway.canonical as canonical

    for entry in json.loads(path.read_text(encoding="utf-8")):
        model = getattr(canonical, entry["type"])
        errors = [e.message for e in validator(model).iter_errors(entry["document"])]
        assert errors == [], f"{path.name}: {entry['type']}"


def _po(**line: Any) -> dict[str, Any]:
    return {"po_number": "4500012345", "lines": [{"line_number": "10", "quantity": "12.5", **line}]}


# Documents a partner might hand-write: the schema and the canonical classes must agree on each.
AGREEMENT = [
    pytest.param(PurchaseOrderVersion, _po(), True, id="decimal-as-string"),
    pytest.param(PurchaseOrderVersion, _po(quantity=12.5), True, id="decimal-as-json-number"),
    pytest.param(PurchaseOrderVersion, _po(quantity="1E+3"), True, id="decimal-with-exponent"),
    pytest.param(PurchaseOrderVersion, _po(quantity="twelve"), False, id="decimal-not-a-number"),
    pytest.param(PurchaseOrderVersion, _po(requested_delivery_date="2026-03-20"), True, id="iso-date"),
    pytest.param(PurchaseOrderVersion, _po(requested_delivery_date="20/03/2026"), False, id="date-not-iso"),
    pytest.param(PurchaseOrderVersion, _po(line_number="1" * 21), False, id="line-number-too-long"),
    pytest.param(PurchaseOrderVersion, _po(discount="5"), False, id="unknown-field"),
    pytest.param(PurchaseOrderVersion, {"lines": []}, False, id="po-number-missing"),
    pytest.param(PurchaseOrderVersion, {"po_number": "P", "kind": "consignment"}, True, id="known-kind"),
    pytest.param(PurchaseOrderVersion, {"po_number": "P", "kind": "loan"}, False, id="unknown-kind"),
    pytest.param(VendorResponse, {"po_number": "P", "status": "accept", "version": 0}, False, id="version-zero"),
    pytest.param(VendorResponse, {"po_number": "P", "status": "maybe"}, False, id="unknown-status"),
    pytest.param(VendorResponse, {"po_number": "P", "status": "reject", "charges": None}, True, id="null-charges"),
    pytest.param(
        VendorResponse,
        {"po_number": "P", "status": "accept_with_changes",
         "lines": [{"line_number": "1", "status": "change", "schedule": [{"quantity": "4"}, {"quantity": 6}]}]},
        True, id="split",
    ),
]


@pytest.mark.parametrize(("model", "document", "valid"), AGREEMENT)
def test_schema_and_canonical_classes_agree(model: type[BaseModel], document: dict[str, Any], valid: bool) -> None:
    schema_says = validator(model).is_valid(document)
    try:
        model.model_validate_json(json.dumps(document))
        model_says = True
    except ValidationError:
        model_says = False
    assert (schema_says, model_says) == (valid, valid)
