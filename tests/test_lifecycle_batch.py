"""Batches (gateway.lifecycle.batch): an interchange's sets applied in one unit of work, under one savepoint
until one is refused, with the same effects as one document at a time. On SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from gateway import lifecycle
from gateway.canonical import Cancellation, ChangeCode, Document, LineChange
from gateway.db import make_engine, read_session, unit_of_work
from gateway.errors import BusinessError
from gateway.lifecycle.batch import apply_sets, held
from gateway.messages.states import MessageState
from gateway.messages.tables import AppliedSet, MessageEvent
from gateway.models import PoEvent, PoVersion, PurchaseOrder
from gateway.pipeline import process, receive, replay
from mappers.x12.reader import read_interchanges
from mappers.x12.translate import RenderRequest
from tests.factories import CUSTOMER, answer, change, confirmation, line, order, qty
from tests.hub import NOW, Hub, sent_together, settings_for
from tests.parallel import at_once

S = MessageState
POS = [f"BAT-{n}" for n in range(1, 6)]


@pytest.fixture
def hub(engine, tmp_path) -> Hub:
    return Hub(engine, settings_for(tmp_path))


def interchange(set_id: str, docs: list[Any], isa13: int) -> bytes:
    return sent_together("contoso", "fabrikam", set_id, [RenderRequest(doc) for doc in docs], isa13)


def more(number: int, quantity: int) -> LineChange:
    """A quantity increase, as a customer's 860 says it (POC02 QI)."""
    return LineChange(line_number=str(number), change=ChangeCode.QUANTITY, x12_code="QI", quantity=quantity,
                      uom="EA")


def dropped(number: int) -> LineChange:
    return LineChange(line_number=str(number), change=ChangeCode.DELETE)


def outcomes(engine: Engine, message_id: int) -> list[tuple[str | None, str, str | None]]:
    with Session(engine) as session:
        return [(a.po_number, a.outcome, a.code) for a in session.exec(
            select(AppliedSet).where(AppliedSet.message_id == message_id).order_by(col(AppliedSet.set_index)))]


def latest_versions(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {po.po_number: po.latest_version for po in session.exec(select(PurchaseOrder))}


def history(engine: Engine, po_number: str) -> list[tuple[str, int | None, str]]:
    with read_session(engine) as session:
        return events(session, po_number)


def events(session: Session, po_number: str) -> list[tuple[str, int | None, str]]:
    po = session.exec(select(PurchaseOrder).where(PurchaseOrder.po_number == po_number)).one()
    return [(e.kind, e.version, e.detail) for e in session.exec(
        select(PoEvent).where(PoEvent.po_id == po.id).order_by(col(PoEvent.id)))]


def test_refused_sets_in_the_middle_of_a_batch_are_refused_alone_with_their_codes(hub):
    assert hub.ingest(interchange("850", [order(po) for po in POS], 50), "contoso").state is S.ROUTED
    changes = [change("BAT-1", more(1, 20)),
               change("BAT-2", more(9, 20)),  # no line 9
               change("BAT-3", dropped(1), dropped(2)),  # no line left
               change("BAT-4", more(2, 30)),
               change("BAT-5", more(1, 40))]
    result = hub.ingest(interchange("860", changes, 51), "contoso")
    assert result.state is S.FAILED
    assert outcomes(hub.engine, result.message_id) == [
        ("BAT-1", "applied", None), ("BAT-2", "refused", "unknown_line"), ("BAT-3", "refused", "no_lines"),
        ("BAT-4", "applied", None), ("BAT-5", "applied", None)]
    assert "unknown_line" in result.error and "no_lines" in result.error
    assert latest_versions(hub.engine) == {"BAT-1": 2, "BAT-2": 1, "BAT-3": 1, "BAT-4": 2, "BAT-5": 2}
    # each refusal is on its PO's history with its code; the neighbours' new versions are there too
    assert history(hub.engine, "BAT-2")[-1][0] == "refused" and "unknown_line" in history(hub.engine, "BAT-2")[-1][2]
    assert history(hub.engine, "BAT-3")[-1][0] == "refused" and "no_lines" in history(hub.engine, "BAT-3")[-1][2]
    assert [kind for kind, _, _ in history(hub.engine, "BAT-4")] == ["version", "version"]
    (vendor_file,) = hub.outbox(result.message_id, "fabrikam")  # what applied reaches the vendor together
    (ic,) = read_interchanges(vendor_file, "ascii")
    assert [tx.one("BCH").elements[3] for g in ic.groups for tx in g.transactions] == ["BAT-1", "BAT-4", "BAT-5"]


def test_the_same_batch_applied_again_is_a_no_op_that_says_so(hub):
    first = hub.ingest(interchange("850", [order(po) for po in POS], 60), "contoso")
    assert first.state is S.ROUTED
    before = {po: history(hub.engine, po) for po in POS}
    again = replay(hub.engine, hub.settings, first.message_id, now=NOW)
    assert again.state is S.ROUTED, again.error
    assert latest_versions(hub.engine) == dict.fromkeys(POS, 1)
    assert {po: history(hub.engine, po) for po in POS} == before  # no second version, no second event
    assert len(hub.outbox(first.message_id, "fabrikam")) == 1  # nothing sent twice
    with Session(hub.engine) as session:
        said = [e.detail for e in session.exec(select(MessageEvent).where(
            MessageEvent.message_id == first.message_id))]
    assert any(d.startswith("5 set(s) had their outcome already, not applied again") for d in said), said


def _process(url: str, data_dir: str, message_id: int, start: Any, out: mp.Queue) -> None:
    engine = make_engine(url)
    start.wait()
    try:
        out.put(process(engine, settings_for(Path(data_dir)), message_id, now=NOW).state.value)
    except Exception as e:  # reported to the test, which fails naming it
        out.put(f"failed: {type(e).__name__}: {str(e).splitlines()[0]}")
    engine.dispose()


def test_two_interchanges_changing_the_same_pos_in_opposite_orders_at_once_both_apply(engine, tmp_path):
    numbers = [f"PAR-{n:02d}" for n in range(1, 31)]
    hub = Hub(engine, settings_for(tmp_path))
    assert hub.ingest(interchange("850", [order(po) for po in numbers], 70), "contoso").state is S.ROUTED
    settings = settings_for(tmp_path)
    forward = receive(engine, settings, interchange("860", [change(po, more(1, 20)) for po in numbers], 71),
                      partner="contoso").message_id
    backward = receive(engine, settings, interchange("860", [change(po, more(2, 30)) for po in reversed(numbers)],
                                                     72), partner="contoso").message_id
    url = engine.url.render_as_string(hide_password=False)
    results = at_once(_process, [(url, str(tmp_path), forward), (url, str(tmp_path), backward)])
    assert results == ["routed", "routed"], results  # a deadlock would fail one of them
    assert latest_versions(engine) == dict.fromkeys(numbers, 3)


def _documents(prefix: str) -> list[list[Document]]:
    """Four interchanges over three POs (originals, changes, responses, confirmations), with refusals: the
    second PO's change names no line 9, its response then answers a version that is not the latest, and the
    third PO's confirmation comes before any response."""
    a, b, c = (f"{prefix}-{n}" for n in (1, 2, 3))
    return [
        [order(a), order(b, [line(1), line(2), line(3)]), order(c)],
        [change(a, qty(1, 20)), change(b, qty(9, 5)), change(c, qty(2, 7))],
        [answer(a, version=2), answer(b, version=2), answer(c, version=1)],
        [confirmation(a, version=2), confirmation(b, version=1), confirmation(c, version=2)],
    ]


def _one_at_a_time(engine: Engine, prefix: str) -> None:
    for kind, docs in enumerate(_documents(prefix)):
        for index, doc in enumerate(docs):
            with contextlib.suppress(BusinessError):  # a refusal: lifecycle.apply writes it on the history
                lifecycle.apply(engine, doc, f"interchange {kind} set {index}")


def _batched(engine: Engine, prefix: str) -> None:
    for kind, docs in enumerate(_documents(prefix)):
        with unit_of_work(engine) as session, held(session, {(CUSTOMER, d.po_number) for d in docs}):
            def refuse(item: tuple[int, Any], error: Exception, s: Session = session, k: int = kind) -> None:
                assert isinstance(error, BusinessError)
                lifecycle.record_refusal(s, item[1], error, f"interchange {k} set {item[0]}")
            apply_sets(session, list(enumerate(docs)),
                       lambda item, s=session, k=kind: lifecycle.handle(s, item[1], f"interchange {k} set {item[0]}"),
                       refuse)


def _effects(engine: Engine, prefix: str) -> list[Any]:
    """Every PO's row, versions and history, with the PO number's prefix taken out."""
    found: list[Any] = []
    with read_session(engine) as session:
        for po in session.exec(select(PurchaseOrder).where(col(PurchaseOrder.po_number).startswith(prefix))
                               .order_by(col(PurchaseOrder.po_number))).all():
            found.append((po.po_number.removeprefix(prefix), po.state, po.latest_version, po.confirmed_version))
            found += [(v.version, v.arrived_as, v.source) for v in session.exec(
                select(PoVersion).where(PoVersion.po_id == po.id).order_by(col(PoVersion.version)))]
            found += [(kind, version, detail.replace(prefix, "")) for kind, version, detail in
                      events(session, po.po_number)]
    return found


def test_a_batch_has_the_same_effects_and_history_as_one_document_at_a_time(engine):
    _one_at_a_time(engine, "ONE")
    _batched(engine, "ALL")
    expected = _effects(engine, "ONE")
    assert ("-2", "for_review", 1, None) in expected and ("-3", "for_review", 2, None) in expected  # refusals
    assert any(kind == "refused" and "unknown_line" in detail for kind, _, detail in
               (e for e in expected if len(e) == 3 and isinstance(e[2], str)))
    assert _effects(engine, "ALL") == expected


def test_a_po_named_without_its_customer_in_a_batch_is_read_with_what_the_batch_changed(engine):
    lifecycle.apply(engine, order("NOC-1"), "test")
    later = Cancellation(po_number="NOC-1", customer=None, vendor="fabrikam")  # found by number and vendor
    with unit_of_work(engine) as session, held(session, {(CUSTOMER, "NOC-1")}):
        apply_sets(session, [change("NOC-1", more(1, 20)), later],
                   lambda doc, s=session: lifecycle.handle(s, doc, "test"), _no_refusal)
    with read_session(engine) as session:
        po = session.exec(select(PurchaseOrder).where(PurchaseOrder.po_number == "NOC-1")).one()
        assert (po.state, po.latest_version) == ("cancelled", 2)  # the change's new version is kept
    assert [kind for kind, _, _ in history(engine, "NOC-1")] == ["version", "version", "cancelled"]


def _no_refusal(doc: Any, error: Exception) -> None:
    raise AssertionError(f"{doc} refused: {error}") from error


@pytest.mark.parametrize("then", ["change", "cancellation"])
def test_a_new_po_another_worker_commits_meanwhile_is_refused_alone_and_the_batch_applies_the_rest(engine, then):
    """A batch's inserts do not wait for their answers (PostgreSQL's pipeline mode), so a new PO found existing
    (another worker created it between the batch's lock and its insert) is known only when the batch's writes are
    settled, after later sets built on it (a change reads the version it expects, a cancellation reads nothing
    and only writes): they are applied again one by one, the original refused as a duplicate, and what followed
    it applied to the PO the other worker committed."""
    import threading

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: no other worker can create the PO meanwhile")
    later = (change("RACE-1", more(1, 20)) if then == "change"
             else Cancellation(po_number="RACE-1", customer=CUSTOMER, vendor="fabrikam"))
    other = Session(engine, expire_on_commit=False, autoflush=False)
    try:
        lifecycle.handle(other, order("RACE-1"), "another worker")  # inserted, not committed: our insert waits
        with unit_of_work(engine) as session, held(session, {(CUSTOMER, "RACE-1"), (CUSTOMER, "RACE-2")}):
            commit = threading.Timer(0.5, other.commit)
            commit.start()
            outcomes = apply_sets(session, [order("RACE-2"), order("RACE-1"), later],
                                  lambda doc, s=session: (lifecycle.handle(s, doc, "test"), "applied")[1],
                                  lambda doc, error: getattr(error, "code", type(error).__name__))
            commit.join()
    finally:
        other.close()
    assert outcomes == ["applied", "duplicate_po", "applied"]
    assert latest_versions(engine) == {"RACE-1": 2 if then == "change" else 1, "RACE-2": 1}
    assert _kinds_and_sources(engine, "RACE-1") == [
        ("version", "another worker"), ("version" if then == "change" else "cancelled", "test")]


def _kinds_and_sources(engine: Engine, po_number: str) -> list[tuple[str, str]]:
    with read_session(engine) as session:
        po = session.exec(select(PurchaseOrder).where(PurchaseOrder.po_number == po_number)).one()
        return [(e.kind, e.source) for e in session.exec(
            select(PoEvent).where(PoEvent.po_id == po.id).order_by(col(PoEvent.id)))]
