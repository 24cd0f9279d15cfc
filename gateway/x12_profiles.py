"""Partners (gateway.partners) -> the writer and reader Profiles of mappers.x12.

The mappers never see the partners file (they are pure); this module, which may import both, turns a partner
into the `Profile` they take: how to write for a receiver (its delimiters, version, encoding and conventions)
as whom (the sender's ISA and GS ids: DESIGN section 4, the gateway is transparent), and which conventions
to honour when reading what a partner sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from gateway.errors import ConfigError
from gateway.partners import Partner, PartnersFile
from mappers.x12.reader import Located
from mappers.x12.segments import Delimiters
from mappers.x12.writer import Profile

if TYPE_CHECKING:
    from mappers.x12.acks import AckOptions

T = TypeVar("T", bound=BaseModel)


def profile_for(receiver: Partner, sender: Partner) -> Profile:
    """How to write for `receiver` as `sender`: the receiver's delimiters, version, encoding and conventions,
    the sender's identity in ISA05/ISA06 and GS02."""
    d = receiver.delimiters
    return Profile(
        sender_qualifier=sender.isa_qualifier, sender_id=sender.isa_id, receiver_qualifier=receiver.isa_qualifier,
        receiver_id=receiver.isa_id, sender_gs=sender.gs_id, receiver_gs=receiver.gs_id,
        version=receiver.x12_version, delimiters=Delimiters(d.element, d.component, d.segment, d.repetition),
        usage=receiver.usage, changes_as=receiver.changes_as, bak_dates=receiver.bak_dates,
        encoding=receiver.encoding,
    )


def get_partner(partners: PartnersFile, partner_id: str) -> Partner:
    try:
        return partners.get(partner_id)
    except KeyError:
        known = ", ".join(p.id for p in partners.partners)
        raise ConfigError([f"partner {partner_id!r} is not in the partners file; known: {known}"]) from None


def trading_counterpart(partners: PartnersFile, receiver: Partner) -> Partner:
    """Whom a document for `receiver` comes from when nobody says: a vendor's first customer, or the first
    vendor that lists a customer (DESIGN section 4: the gateway is transparent)."""
    if receiver.role == "vendor":
        if not receiver.customers:
            raise ConfigError([f"vendor {receiver.id} lists no customers; say --from ID"])
        return get_partner(partners, receiver.customers[0])
    vendor = next((p for p in partners.by_role("vendor") if receiver.id in p.customers), None)
    if vendor is None:
        raise ConfigError([f"no vendor lists customer {receiver.id}; say --from ID"])
    return vendor


# Which role receives each set (DESIGN section 2): customers send 850/860 and their receipts and stock (861,
# 846) to vendors; vendors answer with 855/865. An 860 also goes to a customer (a confirmation or cancellation).
RECEIVER_ROLES: dict[str, tuple[str, ...]] = {"850": ("vendor",), "860": ("vendor", "customer"),
                                              "861": ("vendor",), "846": ("vendor",),
                                              "855": ("customer",), "865": ("customer",)}


def check_direction(set_id: str, receiver: Partner, partners: PartnersFile) -> None:
    """Refuse a set addressed to a partner whose role never receives it (an 855 for a vendor), naming the
    command that was probably meant; silently writing it from the other side would be wrong X12."""
    roles = RECEIVER_ROLES.get(set_id, ())
    if not roles or receiver.role in roles:
        return
    other = next((p for p in partners.partners if p.role in roles and
                  (receiver.id in p.customers or p.id in receiver.customers)), None)
    hint = f": for {receiver.id}'s {set_id} say --partner {other.id if other else roles[0].upper()} " \
           f"--from {receiver.id}"
    raise ConfigError([f"an {set_id} goes to a {' or '.join(roles)}, and {receiver.id} is a {receiver.role}{hint}"])


def by_isa(partners: PartnersFile, qualifier: str, isa_id: str) -> Partner | None:
    """The partner with that ISA qualifier and id (ISA05/06 or ISA07/08; trailing blanks do not count)."""
    key = (qualifier, isa_id.strip())
    return next((p for p in partners.partners if (p.isa_qualifier, p.isa_id.strip()) == key), None)


def by_gs(partners: PartnersFile, gs_id: str) -> Partner | None:
    """The partner whose GS02/GS03 id is `gs_id`."""
    return next((p for p in partners.partners if p.gs_id == gs_id.strip()), None)


def envelope_parties(partners: PartnersFile, found: Located) -> dict[str, str]:
    """Who trades in the interchange that carried a set, by role: {"customer": id, "vendor": id} as far as
    the partners file knows its sender and receiver (ISA05/06 and ISA07/08, else GS02 and GS03). The gateway
    is transparent (DESIGN section 4), so a customer's 850 names the vendor as its receiver."""
    ic, group = found.interchange, found.group
    sender = by_isa(partners, ic.sender_qualifier, ic.sender_id) or by_gs(partners, group.sender)
    receiver = by_isa(partners, ic.receiver_qualifier, ic.receiver_id) or by_gs(partners, group.receiver)
    named: dict[str, str] = {}
    for partner in (sender, receiver):
        if partner is not None:
            named.setdefault(partner.role, partner.id)
    return named


def with_parties(document: T, named: dict[str, str]) -> T:
    """`document` with its empty `customer` and `vendor` filled from `named` (documents without those
    fields, such as functional acks, are returned as they are)."""
    fields = type(document).model_fields
    update: dict[str, object] = {role: named[role] for role in ("customer", "vendor")
              if role in named and role in fields and getattr(document, role) is None}
    return document.model_copy(update=update) if update else document


def sender_profiles(partners: PartnersFile) -> Callable[[Located], Profile | None]:
    """For mappers.x12.translate: the Profile whose conventions apply to a set read from an interchange, i.e.
    the profile we would write back to its sender (ISA05/06) as its receiver (ISA07/08); None for a sender
    not in the partners file (the readers then use the standard's reading)."""

    def choose(found: Located) -> Profile | None:
        ic = found.interchange
        sender = by_isa(partners, ic.sender_qualifier, ic.sender_id)
        if sender is None:
            return None
        receiver = by_isa(partners, ic.receiver_qualifier, ic.receiver_id)
        return profile_for(sender, receiver or sender)

    return choose


def private_codes(partners: PartnersFile) -> Callable[[str, str], frozenset[str]]:
    """For mappers.x12.validate: the elements where the sender (ISA05, ISA06) uses private codes (its
    `private_codes`), whose unknown codes are then warnings; none for a sender not in the partners file."""

    def of_sender(qualifier: str, isa_id: str) -> frozenset[str]:
        sender = by_isa(partners, qualifier, isa_id)
        return frozenset(sender.private_codes) if sender is not None else frozenset()

    return of_sender


def ack_options(partner: Partner) -> AckOptions:
    """How we acknowledge what `partner` sends: its ack type, `ta1` option, delimiters and encoding."""
    from mappers.x12.acks import AckOptions

    d = partner.delimiters
    return AckOptions(functional_ack=partner.functional_ack, ta1=partner.ta1, encoding=partner.encoding,
                      delimiters=Delimiters(d.element, d.component, d.segment, d.repetition))
