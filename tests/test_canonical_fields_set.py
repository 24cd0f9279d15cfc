"""Canonical models share their sets of field names (memory, gateway/canonical/common.py); what each model says
was set stays its own."""

from __future__ import annotations

from decimal import Decimal

from gateway.canonical import OrderLine


def test_a_copy_with_changes_leaves_the_other_lines_fields_set_alone() -> None:
    first, second = (OrderLine(line_number=str(n), quantity=Decimal(n)) for n in (1, 2))
    changed = first.model_copy(update={"uom": "CA", "description": "BOX"})
    assert changed.model_dump(exclude_unset=True) == {"line_number": "1", "quantity": Decimal(1), "uom": "CA",
                                                      "description": "BOX", "product_ids": ()}
    assert first.model_dump(exclude_unset=True) == {"line_number": "1", "quantity": Decimal(1), "product_ids": ()}
    assert second.model_dump(exclude_unset=True) == {"line_number": "2", "quantity": Decimal(2), "product_ids": ()}
