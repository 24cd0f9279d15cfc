"""The partners file (TOML, DESIGN section 4): loaded, validated, and explained one line per problem."""

from __future__ import annotations

import re
import reprlib
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from gateway.errors import ConfigError
from gateway.partners_checks import whole_file_problems
from transports.as2 import As2Config
from transports.folder import FolderConfig
from transports.sftp import SftpConfig

Role = Literal["customer", "vendor"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The [partners.transport] table: one configuration record per adapter, each kept beside its adapter.
Transport = Annotated[SftpConfig | As2Config | FolderConfig, Field(discriminator="kind")]


def _delimiter(char: str) -> str:
    """A delimiter must be one ASCII character that can never occur inside a value: not NUL, not a letter, digit
    or space (ISA values are space-padded), nothing beyond ASCII (every encoding we accept keeps ASCII as is)."""
    if char == "\0":
        return _refuse("NUL is not a delimiter", "one printable ASCII character such as * ~ | > ^")
    if not char.isascii() or char.isalnum() or char == " ":
        return _refuse(f"{char!r} can occur inside values", "a character that is not a letter, digit or space, "
                       "such as * ~ | > ^")
    return char


Delimiter = Annotated[str, Field(min_length=1, max_length=1), AfterValidator(_delimiter)]


class Delimiters(_Strict):
    element: Delimiter = "*"
    component: Delimiter = ">"
    segment: Delimiter = "~"
    repetition: Delimiter = "^"

    @model_validator(mode="after")
    def _distinct(self) -> Delimiters:
        chars = [self.element, self.component, self.segment, self.repetition]
        if len(set(chars)) != 4:
            raise ValueError(f"the four delimiters must differ from each other, got {chars}")
        return self

    def within(self, value: str) -> list[str]:
        """The delimiters that occur in `value`, by name."""
        return [name for name in ("element", "component", "segment", "repetition") if getattr(self, name) in value]


def _refuse(message: str, expected: str) -> NoReturn:
    raise ValueError(f"{message}; expected {expected}")


def _x12_version(value: str) -> str:
    """GS08: a release we have maps for, optionally followed by an industry identifier (004010VICS)."""
    if not re.fullmatch(r"00(4010|5010)[A-Z0-9]{0,6}", value):
        _refuse(f"{value!r} has the wrong form", "004010 or 005010, optionally followed by an industry code such "
                "as VICS (at most 12 characters)")
    return value


def _encoding(value: str) -> str:
    """An encoding Python knows that writes ASCII as ASCII: delimiters and envelopes are ASCII bytes."""
    ascii_chars = "".join(chr(i) for i in range(1, 128))
    try:
        as_ascii = ascii_chars.encode("ascii")
        same = ascii_chars.encode(value) == as_ascii and as_ascii.decode(value) == ascii_chars
    except LookupError:
        _refuse(f"{value!r} is not an encoding Python knows", "an ASCII-safe encoding such as ascii, latin-1, "
                "cp1252 or utf-8")
    except (UnicodeError, TypeError):
        same = False
    if not same:
        _refuse(f"{value!r} does not write ASCII characters as ASCII bytes", "an ASCII-safe encoding such as ascii, "
                "latin-1, cp1252 or utf-8")
    return value


def _interchange_id(value: str) -> str:
    """ISA and GS ids travel in every envelope: printable ASCII only."""
    if not all(" " <= c <= "~" for c in value):
        _refuse(f"{value!r} has characters beyond printable ASCII", "letters, digits and punctuation only")
    return value


ElementRef = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,2}[0-9]{2}$")]  # a segment ID and a position: REF01


class Partner(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    role: Role
    name: str
    isa_qualifier: Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_interchange_id)]
    isa_id: Annotated[str, Field(min_length=1, max_length=15), AfterValidator(_interchange_id)]
    gs_id: Annotated[str, Field(min_length=2, max_length=15), AfterValidator(_interchange_id)]
    x12_version: Annotated[str, AfterValidator(_x12_version)] = Field(description="GS08, e.g. 004010 or 005010")
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
    encoding: Annotated[str, AfterValidator(_encoding)] = "ascii"
    # How long the partner has to answer: its 997/999 for what we send, and (a vendor) its 855/865 for a PO
    # version; past it the scheduled check flags the message overdue.
    ack_window_hours: float = Field(default=24, gt=0, le=24 * 365)
    response_window_hours: float = Field(default=48, gt=0, le=24 * 365)
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


def load_partners(path: Path, *, key_dir: Path | None = None) -> PartnersFile:
    """Read and validate a partners file; raise ConfigError with one line per problem. With `key_dir` (the
    GATEWAY_KEY_DIR setting; `partners check` and the running gateway pass it), SFTP private keys must lie in it;
    the X12 commands, which never open a key, leave it out."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except OSError as e:
        raise ConfigError([f"{path}: cannot be read: {e.strerror}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError([f"{path}: not valid TOML: {e}"]) from None
    except RecursionError:
        raise ConfigError([f"{path}: values are nested too deeply to read; expected plain keys, tables and "
                           "lists of tables as in the README"]) from None
    if not raw.get("partners"):
        raise ConfigError([f"{path}: no partners; expected at least one [[partners]] table"])
    try:
        parsed = PartnersFile.model_validate(raw)
    except ValidationError as e:
        raise ConfigError([_describe(path, raw, err) for err in e.errors()]) from None
    except RecursionError:
        raise ConfigError([f"{path}: values are nested too deeply to check; expected plain keys, tables and "
                           "lists of tables as in the README"]) from None
    problems = whole_file_problems(path, parsed, key_dir)
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
        return f"unknown key (value {_shown(given)})", "only the keys listed in the README"
    if kind == "literal_error":
        return f"{_shown(given)} is not allowed", ctx.get("expected", "")
    if kind == "value_error" and "; expected " in str(ctx.get("error", "")):
        message, expected = str(ctx["error"]).split("; expected ", 1)
        return message, expected
    if kind == "union_tag_invalid":
        return f"kind {ctx.get('tag')!r} is not a transport", "one of 'sftp', 'as2', 'folder'"
    if kind == "union_tag_not_found":
        return "transport has no kind", "kind = 'sftp', 'as2' or 'folder'"
    if kind == "string_pattern_mismatch":
        return f"{_shown(given)} has the wrong form", f"text matching {ctx.get('pattern')}"
    if kind in ("string_too_short", "string_too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        bounds = f"at least {lo}" if lo is not None else f"at most {hi}"
        return f"{_shown(given)} has the wrong length", f"{bounds} characters"
    return f"{err['msg']} (value {_shown(given)})", ""


def _shown(value: Any) -> str:
    """A value as the user wrote it, cut short: a nested or huge value must not flood (or crash) the report."""
    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother, short.maxlist, short.maxdict = 2, 60, 60, 4, 4
    return short.repr(value)
