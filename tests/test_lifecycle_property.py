"""Random sequences of versions, responses, confirmations, receipts and cancellations, driven through the
services and compared after every step with a small reference model written here (not the production code).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gateway.canonical import OrderKind, ResponseStatus, VersionPurpose
from gateway.errors import BusinessError
from gateway.workspace import PoList
from tests.conftest import TABLES_IN_DELETE_ORDER
from tests.factories import (
    VENDOR,
    answer,
    apply,
    cancellation,
    confirmation,
    line,
    listed,
    order,
    receipt,
    reject_line,
    split,
)

POS = {"P1": VENDOR, "P2": "northwind"}


@dataclass
class RefPo:
    """What the seed says a PO is, kept as plainly as possible."""

    consignment: bool
    versions: list[dict[str, int]]  # version n is versions[n-1]: line number -> quantity
    answers: dict[int, tuple[str, dict[str, int]]] = field(default_factory=dict)  # version -> (status, confirmed)
    confirmed: int | None = None
    confirmed_qty: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def latest(self) -> int:
        return len(self.versions)

    def lists(self) -> set[PoList]:
        if self.cancelled:
            return set()
        if self.consignment:
            return {PoList.CONSIGNMENT}
        if self.confirmed == self.latest:
            done = all(self.received.get(n, 0) >= q for n, q in self.confirmed_qty.items())
            return {PoList.ALL_CONFIRMED} if done else {PoList.ALL_CONFIRMED, PoList.OPEN_CONFIRMED}
        if self.latest in self.answers:
            return {PoList.AWAITING_CUSTOMER}
        return {PoList.FOR_REVIEW}


def reference_step(model: dict[str, RefPo], op: tuple) -> bool:
    """Apply `op` to the model; return whether the gateway must accept it."""
    kind, name = op[0], op[1]
    po = model.get(name)
    if kind == "create":
        if po is not None:
            return False
        model[name] = RefPo(consignment=op[2], versions=[dict(op[3])])
        if op[2]:
            model[name].confirmed = 1
            model[name].confirmed_qty = dict(op[3])
        return True
    if po is None or po.cancelled:
        return False
    if kind == "cancel":
        po.cancelled = True
        return True
    if po.consignment and kind in ("replace", "respond", "confirm"):
        return False
    if kind == "replace":
        po.versions.append(dict(op[2]))
        return True
    if kind == "respond":
        version = max(1, po.latest + op[2])
        if version != po.latest or version in po.answers:
            return False
        lines = po.versions[version - 1]
        status = op[3]
        if status == "accept":
            po.answers[version] = (status, dict(lines))
        elif status == "reject":
            po.answers[version] = (status, {n: 0 for n in lines})
        else:  # accept with changes: the first line rejected, the others split in two deliveries of 1 + rest
            first = min(lines, key=int)
            po.answers[version] = (status, {n: 0 if n == first else q for n, q in lines.items()})
        return True
    if kind == "confirm":
        version = max(1, po.latest + op[2])
        if version != po.latest or version not in po.answers or po.answers[version][0] == "reject":
            return False
        if po.confirmed == version:
            return False
        po.confirmed, po.confirmed_qty, po.received = version, dict(po.answers[version][1]), {}
        return True
    if kind == "receive":
        if po.confirmed != po.latest or op[2] not in po.confirmed_qty:
            return False
        po.received[op[2]] = po.received.get(op[2], 0) + op[3]
        return True
    raise AssertionError(op)


def document(model_before: dict[str, RefPo], op: tuple, step: int):
    kind, name = op[0], op[1]
    if kind == "create":
        lines = [line(n, q) for n, q in op[3]]
        return order(name, lines, vendor=POS[name], kind=OrderKind.CONSIGNMENT if op[2] else OrderKind.STANDARD)
    vendor = POS[name]
    if kind == "replace":
        return order(name, [line(n, q) for n, q in op[2]], vendor=vendor, purpose=VersionPurpose.REPLACE)
    if kind == "cancel":
        return cancellation(name).model_copy(update={"vendor": vendor})
    if kind == "receive":
        return receipt(name, f"R{step}", **{f"l{op[2]}": op[3]}).model_copy(update={"vendor": vendor})
    po = model_before.get(name)
    version = max(1, (po.latest if po else 1) + op[2])
    if kind == "respond":
        status = op[3]
        if status == "accept_with_changes" and po and version <= po.latest:
            lines = po.versions[version - 1]
            first = min(lines, key=int)
            parts = [reject_line(first)] + [split(n, (1, date(2027, 1, 1)), (q - 1, date(2027, 2, 1))) if q > 1
                                            else split(n, (q, date(2027, 1, 1))) for n, q in lines.items()
                                            if n != first]
            return answer(name, version, ResponseStatus.ACCEPT_WITH_CHANGES, parts, vendor=vendor)
        return answer(name, version, ResponseStatus(status), vendor=vendor)
    if kind == "confirm":
        return confirmation(name, version).model_copy(update={"vendor": vendor})
    raise AssertionError(op)


names = st.sampled_from(["P1", "P1", "P1", "P2"])
line_set = st.dictionaries(st.sampled_from(["1", "2"]), st.integers(1, 3), min_size=1).map(
    lambda d: tuple(sorted(d.items())))
create = st.tuples(st.just("create"), names, st.sampled_from([False, False, False, True]), line_set)
respond = st.tuples(st.just("respond"), names, st.sampled_from([0, 0, 0, 0, 0, -1, 1]),
                    st.sampled_from(["accept", "reject", "accept_with_changes"]))
confirm = st.tuples(st.just("confirm"), names, st.sampled_from([0, 0, 0, -1]))
receive = st.tuples(st.just("receive"), names, st.sampled_from(["1", "2"]), st.integers(1, 3))
replace = st.tuples(st.just("replace"), names, line_set)
cancel = st.tuples(st.just("cancel"), names)
# Weighted so that sequences reach confirmations and full receipts, not only refusals.
WEIGHTS = ((create, 2), (respond, 5), (confirm, 4), (receive, 7), (replace, 2), (cancel, 1))
operations = st.sampled_from([kind for kind, weight in WEIGHTS for _ in range(weight)]).flatmap(lambda kind: kind)


def reset(engine) -> None:
    with engine.begin() as conn:
        for table in TABLES_IN_DELETE_ORDER:
            if table not in ("trading_partner", "partner_link"):
                conn.execute(text(f"DELETE FROM {table}"))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operations, min_size=8, max_size=40))
def test_lists_match_the_reference_model(engine, ops):
    reset(engine)
    model: dict[str, RefPo] = {}
    for step, op in enumerate(ops):
        before = copy.deepcopy(model)
        doc = document(before, op, step)
        expected_ok = reference_step(model, op)
        try:
            apply(engine, doc)
            ok = True
        except BusinessError:
            ok = False
        assert ok == expected_ok, f"step {step} {op}: gateway {'accepted' if ok else 'refused'} it"
        lists = {which: set(listed(engine, which)) for which in PoList}
        for which in PoList:
            want = {n for n, po in model.items() if which in po.lists()}
            assert lists[which] == want, f"after step {step} {op}: {which} is {lists[which]}, expected {want}"
        exclusive = (PoList.FOR_REVIEW, PoList.AWAITING_CUSTOMER, PoList.OPEN_CONFIRMED, PoList.CONSIGNMENT)
        for i, a in enumerate(exclusive):
            for b in exclusive[i + 1:]:
                assert not lists[a] & lists[b], f"{a} and {b} overlap after step {step}"
