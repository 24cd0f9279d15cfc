"""`gateway keys generate`: the gateway's own AS2 key and certificate and its SFTP key pair."""

from __future__ import annotations

import argparse
from typing import Any

from gateway.settings import Settings


def register(subparsers: Any) -> None:
    keys = subparsers.add_parser("keys", help="the gateway's own keys").add_subparsers(dest="keys_command",
                                                                                     required=True)
    generate = keys.add_parser("generate", help="make the AS2 key and self-signed certificate and an ed25519 SSH "
                                                "key pair (never overwrites)")
    generate.add_argument("--as2-id", required=True, help="the gateway's AS2 id (the certificate's subject)")
    generate.add_argument("--dir", help="where to write them (default: GATEWAY_KEY_DIR)")
    generate.add_argument("--days", type=int, default=730, help="certificate validity (default 730)")
    generate.set_defaults(handler=_generate)


def _generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gateway.keys import generate

    made = generate(Path(args.dir) if args.dir else Settings().key_dir, args.as2_id, days=args.days)
    print(f"AS2 private key   {made.as2_key} (0600)")
    print(f"AS2 certificate   {made.as2_certificate}  SHA-256 {made.fingerprint}")
    print(f"SSH private key   {made.ssh_key} (0600)")
    print(f"SSH public key    {made.ssh_public_key}")
    print("Give partners the certificate and the public key; put as2.key and as2.crt in [gateway.as2].")
    return 0
