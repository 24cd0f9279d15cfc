"""Write the JSON Schema of every canonical document into schemas/json/, from the pydantic classes.

    .venv/bin/python schemas/json/generate.py          # (re)write the files
    .venv/bin/python schemas/json/generate.py --check  # exit 1 if a committed file differs

The files are committed so that partners can read them without running the gateway; a test compares them
with what this script produces now, so a change to gateway/canonical must come with regenerated schemas.
The schemas describe what the gateway accepts (pydantic's validation mode): canonical JSON as
`model_dump(mode="json")` writes it validates against them, and so may a partner's hand-written JSON, where
decimals may also be JSON numbers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from gateway.canonical import DOCUMENT_TYPES

HERE = Path(__file__).resolve().parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:edi-gateway:canonical:1:json:"

# A decimal written as a JSON string: what pydantic writes (str(Decimal): "12.50", "-3", "1E+2") and reads.
# pydantic sets no pattern of its own, which would let "twelve" pass as a quantity.
DECIMAL_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"


class CanonicalJsonSchema(GenerateJsonSchema):
    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:
        return super().get_decimal_pattern(schema) or DECIMAL_PATTERN


# file stem -> canonical document, from gateway.canonical's table
DOCUMENTS: dict[str, type[BaseModel]] = {t.slug: t.cls for t in DOCUMENT_TYPES}


def file_name(stem: str) -> str:
    return f"{stem}.schema.json"


def schema_of(stem: str) -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of one canonical document."""
    body = DOCUMENTS[stem].model_json_schema(mode="validation", schema_generator=CanonicalJsonSchema)
    return {"$schema": DRAFT, "$id": ID_PREFIX + stem, **body}


def render() -> dict[str, str]:
    """Every schema file's name and exact text, as the generator writes it."""
    return {
        file_name(stem): json.dumps(schema_of(stem), indent=2, ensure_ascii=False) + "\n" for stem in DOCUMENTS
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in render().items():
        path = HERE / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print(f"out of date, run {Path(__file__).name}: {', '.join(stale)}", file=sys.stderr)
        return 1
    print(f"{'checked' if check else 'wrote'} {len(DOCUMENTS)} schemas, {len(stale)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
