"""The partners file (TOML, DESIGN section 4): loaded, validated, and explained one line per problem."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gateway.errors import ConfigError

Role = Literal["customer", "vendor"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SftpTransport(_Strict):
    kind: Literal["sftp"]
    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    private_key: Path
    host_key: str = Field(min_length=1, description="the server's public host key, pinned")
    inbound_dir: str = "outbound"
    outbound_dir: str = "inbound"
    poll_seconds: int = Field(default=60, ge=1)


class As2Transport(_Strict):
    kind: Literal["as2"]
    as2_id: str = Field(min_length=1, max_length=128)
    url: str = Field(pattern=r"^https?://")
    certificate: Path
    sign: Literal["sha256", "sha384", "sha512", "sha1"] | None = "sha256"
    encrypt: Literal["aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_192_cbc"] | None = "aes256_cbc"
    mdn: Literal["sync", "async"] = "sync"
    mdn_signed: bool = True


class FolderTransport(_Strict):
    kind: Literal["folder"]
    inbound_dir: Path
    outbound_dir: Path


Transport = Annotated[SftpTransport | As2Transport | FolderTransport, Field(discriminator="kind")]


class Delimiters(_Strict):
    element: str = Field(default="*", min_length=1, max_length=1)
    component: str = Field(default=">", min_length=1, max_length=1)
    segment: str = Field(default="~", min_length=1, max_length=1)
    repetition: str = Field(default="^", min_length=1, max_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> Delimiters:
        chars = [self.element, self.component, self.segment, self.repetition]
        if len(set(chars)) != 4:
            raise ValueError(f"the four delimiters must differ from each other, got {chars}")
        return self


ElementRef = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,2}[0-9]{2}$")]  # a segment ID and a position: REF01


class Partner(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    role: Role
    name: str
    isa_qualifier: str = Field(min_length=2, max_length=2)
    isa_id: str = Field(min_length=1, max_length=15)
    gs_id: str = Field(min_length=2, max_length=15)
    x12_version: str = Field(pattern=r"^00[0-9]{4}[A-Za-z0-9]*$", description="GS08, e.g. 004010 or 005010")
    transport: Transport
    customers: tuple[str, ...] = ()
    functional_ack: Literal["997", "999"] | None = None
    ta1: Literal["on_request", "always", "never"] = "on_request"
    changes_as: Literal["860", "850-replace"] = "860"
    # Which of BAK04/BAK09 is the acknowledgment date in this partner's 855s (X12.md section 4): the standard's
    # "BAK04=order" (BAK04 the PO date, BAK09 the ack date) or the "BAK04=ack" convention some guides use.
    bak_dates: Literal["BAK04=ack", "BAK04=order"] = "BAK04=order"
    usage: Literal["P", "T"] = "P"
    delimiters: Delimiters = Delimiters()
    encoding: str = "ascii"
    # Elements (e.g. "REF01", "N101") where this partner uses codes outside the X12 list: its unknown codes there
    # are warnings, not errors (mappers.x12.validate, private_codes)
    private_codes: tuple[ElementRef, ...] = ()

    @property
    def ack_type(self) -> str:
        """997 for 4010 partners, 999 for 5010 and later, unless the partner says otherwise."""
        if self.functional_ack:
            return self.functional_ack
        return "999" if self.x12_version >= "005010" else "997"


class GatewayAs2(_Strict):
    as2_id: str
    private_key: Path
    certificate: Path


class GatewaySection(_Strict):
    as2: GatewayAs2 | None = None


class PartnersFile(_Strict):
    partners: tuple[Partner, ...] = ()
    gateway: GatewaySection = GatewaySection()

    def get(self, partner_id: str) -> Partner:
        for p in self.partners:
            if p.id == partner_id:
                return p
        raise KeyError(partner_id)

    def by_role(self, role: Role) -> Iterator[Partner]:
        return (p for p in self.partners if p.role == role)


def load_partners(path: Path) -> PartnersFile:
    """Read and validate a partners file; raise ConfigError with one line per problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except OSError as e:
        raise ConfigError([f"{path}: cannot be read: {e.strerror}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError([f"{path}: not valid TOML: {e}"]) from None
    try:
        parsed = PartnersFile.model_validate(raw)
    except ValidationError as e:
        raise ConfigError([_describe(path, raw, err) for err in e.errors()]) from None
    problems = _cross_checks(path, parsed)
    if problems:
        raise ConfigError(problems)
    return parsed


def _describe(path: Path, raw: dict[str, Any], err: Any) -> str:
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "partners" and isinstance(loc[1], int):
        index = loc[1]
        items = raw.get("partners", [])
        pid = items[index].get("id") if index < len(items) and isinstance(items[index], dict) else None
        where = f"partner {pid}" if pid else f"partner #{index + 1}"
        loc = loc[2:]
    # Drop pydantic's union tags ("sftp", "function-after[...]") from the key path.
    key = ".".join(str(p) for p in loc if not (isinstance(p, str) and ("[" in p or p in ("sftp", "as2", "folder"))))
    message, expected = _explain(err)
    parts = [str(path)] + [p for p in (where, key) if p]
    line = ": ".join(parts) + f": {message}"
    return f"{line}; expected {expected}" if expected else line


def _explain(err: Any) -> tuple[str, str]:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    if kind == "missing":
        return "missing", "a value for this required key"
    if kind == "extra_forbidden":
        return f"unknown key (value {given!r})", "only the keys listed in the README"
    if kind == "literal_error":
        return f"{given!r} is not allowed", ctx.get("expected", "")
    if kind == "union_tag_invalid":
        return f"kind {ctx.get('tag')!r} is not a transport", "one of 'sftp', 'as2', 'folder'"
    if kind == "union_tag_not_found":
        return "transport has no kind", "kind = 'sftp', 'as2' or 'folder'"
    if kind == "string_pattern_mismatch":
        return f"{given!r} has the wrong form", f"text matching {ctx.get('pattern')}"
    if kind in ("string_too_short", "string_too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        bounds = f"at least {lo}" if lo is not None else f"at most {hi}"
        return f"{given!r} has the wrong length", f"{bounds} characters"
    return err["msg"], ""


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
        if p.role == "customer" and p.customers:
            problems.append(f"{path}: partner {p.id}: customers: only vendors list customers")
        for c in p.customers:
            if c not in customers:
                problems.append(
                    f"{path}: partner {p.id}: customers: {c!r} is not a customer in this file; "
                    f"expected one of {sorted(customers)}"
                )
    return problems
