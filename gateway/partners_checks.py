"""Checks that need the whole partners file (or the settings) rather than one value: unique ids and interchange
identities, who trades with whom, ids against the delimiters of every partner that reads them, folders that two
channels would share, and private keys outside the key directory. Each problem is one line naming file, partner,
key and what is expected."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from transports.folder import FolderConfig
from transports.sftp import SftpConfig

if TYPE_CHECKING:
    from gateway.partners import Partner, PartnersFile


def whole_file_problems(path: Path, parsed: PartnersFile, key_dir: Path | None) -> list[str]:
    return (_cross_checks(path, parsed) + _folder_checks(path, parsed)
            + (_key_checks(path, parsed, key_dir) if key_dir else []))


def _cross_checks(path: Path, parsed: PartnersFile) -> list[str]:
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_isa: dict[tuple[str, str], str] = {}
    customers = {p.id for p in parsed.by_role("customer")}
    for p in parsed.partners:
        if p.id in seen_ids:
            problems.append(f"{path}: partner {p.id}: id: used twice; expected a unique id per partner")
        seen_ids.add(p.id)
        isa_key = (p.isa_qualifier, p.isa_id.strip())
        if isa_key in seen_isa:
            problems.append(
                f"{path}: partner {p.id}: isa_id: {p.isa_qualifier}/{p.isa_id} is also partner "
                f"{seen_isa[isa_key]}; expected each interchange identity once"
            )
        seen_isa.setdefault(isa_key, p.id)
        problems += _ids_against_delimiters(path, p, [p, *_trading_partners(parsed, p)])
        if p.role == "customer" and p.customers:
            problems.append(f"{path}: partner {p.id}: customers: only vendors list customers")
        for c in p.customers:
            if c not in customers:
                problems.append(
                    f"{path}: partner {p.id}: customers: {c!r} is not a customer in this file; "
                    f"expected one of {sorted(customers)}"
                )
    return problems


def _key_checks(path: Path, parsed: PartnersFile, key_dir: Path) -> list[str]:
    """Private keys only from the key directory: a partners file must not make the gateway read any file it can
    (a key path is handed to the SSH library, whose errors would show parts of it)."""
    problems: list[str] = []
    allowed = Path(os.path.realpath(key_dir))
    for p in parsed.partners:
        if not isinstance(p.transport, SftpConfig) or p.transport.private_key is None:
            continue
        key = Path(os.path.realpath(p.transport.private_key))
        if allowed != key and allowed not in key.parents:
            problems.append(f"{path}: partner {p.id}: transport.private_key: '{p.transport.private_key}' is outside "
                            f"the key directory; expected a file under {key_dir} (GATEWAY_KEY_DIR)")
    return problems


def _trading_partners(parsed: PartnersFile, partner: Partner) -> list[Partner]:
    """Whom `partner` trades with: its ids are written into their interchanges, with their delimiters."""
    if partner.role == "vendor":
        return [c for c in parsed.partners if c.id in partner.customers]
    return [v for v in parsed.by_role("vendor") if partner.id in v.customers]


def _ids_against_delimiters(path: Path, partner: Partner, readers: list[Partner]) -> list[str]:
    """An id holding a delimiter of a partner that reads it would split the envelope: one line per id and
    character, naming the first partner (itself first) whose delimiter it is."""
    problems: dict[tuple[str, str], str] = {}
    for reader in readers:
        whose = "its" if reader is partner else f"{reader.id}'s"
        delimiters = reader.delimiters
        for key in ("isa_qualifier", "isa_id", "gs_id"):
            value = getattr(partner, key)
            for name in delimiters.within(value):
                char = getattr(delimiters, name)
                problems.setdefault((key, char), (
                    f"{path}: partner {partner.id}: {key}: {value!r} contains {whose} {name} delimiter {char!r}; "
                    f"expected an id without {' '.join(delimiters.model_dump().values())}"))
    return list(problems.values())


def _folder_checks(path: Path, parsed: PartnersFile) -> list[str]:
    """A folder polled for one channel must be nobody else's: the gateway would read another partner's files as
    this one's, or its own output as input."""
    problems: list[str] = []
    owners: dict[Path, str] = {}
    for p in parsed.partners:
        if not isinstance(p.transport, FolderConfig):
            continue
        for key in ("inbound_dir", "outbound_dir"):
            where = Path(os.path.realpath(getattr(p.transport, key)))
            here = f"partner {p.id} {key}"
            if where in owners:
                problems.append(f"{path}: partner {p.id}: transport.{key}: '{getattr(p.transport, key)}' is also "
                                f"{owners[where]}; expected a directory of its own")
            owners.setdefault(where, here)
    return problems
