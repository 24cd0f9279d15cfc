"""The JSON array `gateway translate` prints, written document by document and line by line.

A PO of 200,000 lines would take gigabytes as one `model_dump` dict, one `json.dumps` string and its
indented copy; here each entry is written as it comes, and a document's tuples of models (its lines) one
item at a time, so only one line's dict exists at once. The text is the same as `json.dumps(entry,
indent=2)` of the whole, indented by two more spaces inside the array.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from pydantic import BaseModel


class JsonArray:
    """`[`, then each entry as it is given, then `]`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.first = True
        out.write("[")

    def entry(self, envelope: dict[str, Any], document: BaseModel) -> None:
        """One entry: the `envelope` keys, then `"document"` streamed."""
        self.out.write(("\n" if self.first else ",\n") + "  {")
        self.first = False
        for key, value in envelope.items():
            self.out.write(f"\n    {json.dumps(key)}: {_dumps(value, 4)},")
        self.out.write('\n    "document": ')
        _write_model(self.out, document, 4)
        self.out.write("\n  }")

    def close(self) -> None:
        self.out.write("\n]\n")


def _write_model(out: TextIO, model: BaseModel, indent: int) -> None:
    pad = " " * (indent + 2)
    out.write("{")
    for index, name in enumerate(type(model).model_fields):
        out.write(("" if index == 0 else ",") + f"\n{pad}{json.dumps(name)}: ")
        value = getattr(model, name)
        if isinstance(value, tuple) and len(value) > 1 and all(isinstance(v, BaseModel) for v in value):
            out.write("[")
            for position, item in enumerate(value):
                out.write(("" if position == 0 else ",") + f"\n{pad}  ")
                out.write(_dumps(item.model_dump(mode="json"), indent + 4))
            out.write(f"\n{pad}]")
        else:
            out.write(_dumps(model.model_dump(mode="json", include={name})[name], indent + 2))
    out.write(f"\n{' ' * indent}}}")


def _dumps(value: Any, indent: int) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent)
