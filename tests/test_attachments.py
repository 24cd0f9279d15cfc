"""Attachments on PO and response, header or line: name, media type, size, sha256 and the bytes."""

from __future__ import annotations

import base64
import hashlib

import pytest
from sqlmodel import Session, col, select

from gateway.canonical import Attachment, LineStatus, ResponseLine, ResponseStatus
from gateway.errors import BusinessError
from gateway.models import AttachmentRow
from gateway.workspace import PoList
from tests.factories import answer, apply, line, listed, order

DRAWING = b"%PDF-1.7 drawing of part 1"


def pdf(name: str, content: bytes = DRAWING, sha256: str | None = None) -> Attachment:
    return Attachment(file_name=name, media_type="application/pdf", content_b64=base64.b64encode(content).decode(),
                      sha256=sha256)


def test_attachments_are_stored_on_header_and_lines_of_po_and_response(engine):
    apply(engine, order("PO-1", [line(1, attachments=(pdf("part1.pdf"),)), line(2)],
                        attachments=(pdf("terms.pdf", b"terms"),)))
    apply(engine, answer("PO-1", status=ResponseStatus.ACCEPT_WITH_CHANGES, attachments=(pdf("quote.pdf", b"q"),),
                         lines=[ResponseLine(line_number="2", status=LineStatus.REJECT,
                                             attachments=(pdf("eol-notice.pdf", b"eol"),))]))
    with Session(engine) as session:
        rows = session.exec(select(AttachmentRow).order_by(col(AttachmentRow.id))).all()
    found = {(r.file_name, r.line_number, r.version_id is not None, r.response_id is not None) for r in rows}
    assert found == {("terms.pdf", None, True, False), ("part1.pdf", "1", True, False),
                     ("quote.pdf", None, False, True), ("eol-notice.pdf", "2", False, True)}
    part = next(r for r in rows if r.file_name == "part1.pdf")
    assert (part.content, part.size, part.sha256) == (DRAWING, len(DRAWING), hashlib.sha256(DRAWING).hexdigest())


def test_attachment_whose_hash_does_not_match_its_bytes_is_refused(engine):
    with pytest.raises(BusinessError, match="part1.pdf: sha256 does not match its content"):
        apply(engine, order("PO-1", [line(1, attachments=(pdf("part1.pdf", sha256="0" * 64),))]))
    assert listed(engine, PoList.FOR_REVIEW) == []  # nothing of the PO was written


def test_attachment_that_is_not_base64_is_refused(engine):
    bad = Attachment(file_name="x.pdf", content_b64="not base64!!")
    with pytest.raises(BusinessError, match="x.pdf: content is not valid base64"):
        apply(engine, order("PO-1", attachments=(bad,)))


def test_attachments_of_several_sets_in_one_batch_are_stored_and_a_bad_one_refuses_its_set_alone(engine):
    """A batch sends its writes ahead of their answers on PostgreSQL (gateway.lifecycle.bulk.ahead); the
    attachments, written by SQLAlchemy in between, land with their own sets, and a set refused for a bad
    attachment leaves its neighbours' in place."""
    from gateway.db import unit_of_work
    from gateway.lifecycle import handle
    from gateway.lifecycle.batch import apply_sets, held
    from tests.factories import CUSTOMER

    docs = [order("ATT-1", [line(1, attachments=(pdf("one.pdf", b"one"),))], attachments=(pdf("t1.pdf", b"t1"),)),
            order("ATT-2", [line(1, attachments=(pdf("two.pdf", b"two", sha256="0" * 64),))]),
            order("ATT-3", [line(1)], attachments=(pdf("t3.pdf", b"t3"),))]
    with unit_of_work(engine) as session, held(session, {(CUSTOMER, d.po_number) for d in docs}):
        outcomes = apply_sets(session, docs, lambda doc: (handle(session, doc, "test"), "applied")[1],
                              lambda doc, error: str(getattr(error, "code", error)))
    assert outcomes == ["applied", "invalid_attachment", "applied"]
    with Session(engine) as session:
        rows = session.exec(select(AttachmentRow).order_by(col(AttachmentRow.id))).all()
    assert sorted((r.file_name, r.content) for r in rows) == [("one.pdf", b"one"), ("t1.pdf", b"t1"),
                                                              ("t3.pdf", b"t3")]
    assert sorted(listed(engine, PoList.FOR_REVIEW)) == ["ATT-1", "ATT-3"]
