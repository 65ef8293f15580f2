"""The `peluit` command: run the bot, and the operator's offline tools.

    peluit                      run the bot (polling, or webhook when PELUIT_WEBHOOK_URL is set)
    peluit migrate              bring the database schema up to date (PostgreSQL; SQLite does it at start)
    peluit keys rotate          new primary keys; re-encrypt everything; older keys still decrypt
    peluit audit verify         check the audit log's hash chain
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import logs
from bot.settings import Settings, load_settings

log = logging.getLogger("peluit.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peluit", description="Peluit: anonymous whistleblowing over Telegram.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sub.add_parser("migrate", help="apply database migrations")
    keys = sub.add_parser("keys", help="key management")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("rotate", help="new primary keys, re-encrypt every stored value")
    audit = sub.add_parser("audit", help="audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the audit log's hash chain")
    return parser


async def _migrate(settings: Settings) -> int:
    from storage.db import migrate

    await migrate(settings.database_url_or_default)
    print("database schema is up to date")
    return 0


async def _rotate(settings: Settings) -> int:
    from bot.app import open_database
    from storage.crypto import save_keyring
    from storage.maintenance import reencrypt_all

    db = open_database(settings)
    rotated = db.keyring.with_rotated_keys()
    count = await reencrypt_all(db, rotated)
    path = save_keyring(Path(settings.data_dir), rotated)
    await db.close()
    print(f"re-encrypted {count} values under the new primary keys; keys saved to {path}")
    if settings.content_keys or settings.routing_keys:
        print("note: keys are also given in settings (PELUIT_CONTENT_KEYS / PELUIT_ROUTING_KEYS); "
              "update them from the keys file or unset them, or the old keys stay primary")
    return 0


async def _audit_verify(settings: Settings) -> int:
    from bot.app import open_database
    from storage.audit import verify_chain

    db = open_database(settings)
    async with db.sessions() as session:
        report = await verify_chain(session, db.keyring)
    await db.close()
    if report.ok:
        print(f"audit log intact: {report.events} events, head {report.head}")
        return 0
    print(f"audit log BROKEN at event {report.broken_at}: {report.reason}")
    return 1


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    settings = load_settings(require_telegram=command == "run")
    logs.configure(settings.log_level, secrets=(settings.telegram_bot_token,))
    if command == "run":
        from bot.app import serve

        asyncio.run(serve(settings))
        return
    if command == "migrate":
        code = asyncio.run(_migrate(settings))
    elif command == "keys":
        code = asyncio.run(_rotate(settings))
    else:
        code = asyncio.run(_audit_verify(settings))
    sys.exit(code)
