"""The `peluit` command: run the bot, and the operator's offline tools.

    peluit                      run the bot (polling, or webhook when PELUIT_WEBHOOK_URL is set)
    peluit sandbox [--seed]     try it without Telegram: the real bot, a stand-in Bot API, a web page
    peluit check                check the token, the staff group and the bot's rights there
    peluit migrate              bring the database schema up to date (PostgreSQL; SQLite does it at start)
    peluit keys rotate          new primary keys; re-encrypt everything; older keys still decrypt
    peluit audit verify         check the audit log's hash chain
    peluit purge                apply the retention rules now (the bot also does it by itself)
    peluit identity reveal WBS-2026-0042 --key FILE --reason "..."
                                break-glass: open a sealed contact with the offline key (audited)
    peluit report --from 2026-10-01 --to 2026-12-31 --out FILE.pdf [--csv FILE.csv] [--group ID]
                                the period report for leadership (PDF); the counts as CSV
                                (every staff group's cases unless --group names one)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logs
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from flows.ports import AllGroups
    from storage.uow import Database

log = logging.getLogger("peluit.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peluit", description="Peluit: anonymous whistleblowing over Telegram.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sandbox = sub.add_parser("sandbox", help="try Peluit without Telegram, in a web page on 127.0.0.1")
    sandbox.add_argument("--seed", action="store_true", help="start with three example cases")
    sandbox.add_argument("--port", type=int, help="the page's port (default PELUIT_SANDBOX_PORT)")
    sub.add_parser("check", help="check the token, the staff group and the bot's rights there")
    sub.add_parser("migrate", help="apply database migrations")
    keys = sub.add_parser("keys", help="key management")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("rotate", help="new primary keys, re-encrypt every stored value")
    audit = sub.add_parser("audit", help="audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the audit log's hash chain")
    sub.add_parser("purge", help="apply the retention rules now (also done automatically)")
    identity = sub.add_parser("identity", help="break-glass disclosure of sealed contact details")
    identity_sub = identity.add_subparsers(dest="identity_command", required=True)
    reveal = identity_sub.add_parser("reveal", help="open a case's sealed contact (offline key)")
    reveal.add_argument("case_number")
    reveal.add_argument("--key", required=True, type=Path, help="the disclosure private key file")
    reveal.add_argument("--reason", required=True, help="why (written to the audit log)")
    _report_parser(sub)
    return parser


def _report_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`peluit report`: its own function, apart from the other subcommands."""
    report = sub.add_parser(
        "report", help="the period report for leadership (PDF) and its counts (CSV)",
        description="Write the period report for leadership as a PDF (--out) and/or its counts "
                    "only as CSV (--csv), from the bot's database. Dates are the institution's "
                    "days (PELUIT_TIMEZONE), both inclusive.")
    report.add_argument("--from", dest="start", required=True, type=date.fromisoformat,
                        metavar="YYYY-MM-DD", help="first day of the period")
    report.add_argument("--to", dest="end", required=True, type=date.fromisoformat,
                        metavar="YYYY-MM-DD", help="last day of the period")
    report.add_argument("--out", type=Path, help="the PDF to write")
    report.add_argument("--csv", type=Path, help="the CSV of counts to write (no case content)")
    report.add_argument("--group", metavar="CHAT_ID|main",
                        help="only the cases of this staff group: its chat id (one of "
                             "PELUIT_STAFF_CHAT_ID, PELUIT_ESCALATION_CHAT_ID, PELUIT_ROUTES) or "
                             "'main'; default: all staff groups' cases together")


class OfflineError(SystemExit):
    """An operator command cannot run here; the message says why and what to do."""


def _require_keys(settings: Settings) -> None:
    """Operator commands never invent keys: run in the wrong directory, they must not create a
    second, useless set (and a second disclosure key)."""
    from storage.crypto import KEYS_FILE

    keys_given = settings.content_keys and settings.routing_keys and settings.lookup_key
    if not keys_given and not (Path(settings.data_dir) / KEYS_FILE).exists():
        raise OfflineError(
            f"no keys in {Path(settings.data_dir).resolve()}: run this where the bot's data dir is "
            "(set PELUIT_DATA_DIR) or give the keys in settings; nothing was changed")


async def _offline_database(settings: Settings) -> Database:
    """The bot's database with the bot's keys (SQLite is migrated first, as the bot does)."""
    from bot.app import open_database
    from storage.db import is_sqlite, migrate

    if is_sqlite(settings.database_url_or_default):
        await migrate(settings.database_url_or_default)
    return open_database(settings)


async def _check(settings: Settings) -> int:
    """`peluit check`: each finding in plain words; 0 when there is nothing to fix, else 1."""
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.selfcheck import check, groups_of

    root = settings.telegram_api_url.rstrip("/")
    bot = Bot(settings.telegram_bot_token, base_url=f"{root}/bot",
              base_file_url=f"{root}/file/bot")
    try:
        await bot.initialize()
    except TelegramError:
        pass  # a refused token or no network: check() says which, in its words
    try:
        report = await check(bot, settings.staff_chat_id, groups_of(
            settings.staff_chat_id, settings.escalation_chat_id, settings.routes))
    finally:
        await bot.shutdown()
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


async def _migrate(settings: Settings) -> int:
    from storage.db import migrate

    await migrate(settings.database_url_or_default)
    print("database schema is up to date")
    return 0


async def _rotate(settings: Settings) -> int:
    from storage.crypto import save_keyring
    from storage.maintenance import reencrypt_all

    db = await _offline_database(settings)
    rotated = db.keyring.with_rotated_keys()
    # Saved first: the rotated keyring still holds every old key, so whatever the re-encryption
    # has or has not reached when interrupted stays readable; running it again finishes it.
    path = save_keyring(Path(settings.data_dir), rotated)
    count = await reencrypt_all(db, rotated)
    await db.close()
    print(f"re-encrypted {count} values under the new primary keys; keys saved to {path}")
    if settings.content_keys or settings.routing_keys:
        print("note: keys are also given in settings (PELUIT_CONTENT_KEYS / PELUIT_ROUTING_KEYS); "
              "update them from the keys file or unset them, or the old keys stay primary")
    return 0


async def _audit_verify(settings: Settings) -> int:
    from storage.audit import verify_chain

    db = await _offline_database(settings)
    async with db.sessions() as session:
        report = await verify_chain(session, db.keyring)
    await db.close()
    if report.ok:
        print(f"audit log intact: {report.events} events, head {report.head}")
        return 0
    print(f"audit log BROKEN at event {report.broken_at}: {report.reason}")
    return 1


async def _purge(settings: Settings) -> int:
    from datetime import UTC, datetime, timedelta

    from storage.retention import purge

    db = await _offline_database(settings)
    now = datetime.now(UTC)
    report = await purge(db, routing_before=now - timedelta(days=settings.retention_routing_days),
                         content_before=now - timedelta(days=settings.retention_content_days))
    await db.close()
    print(f"routing and sealed contacts purged for {len(report.routing_purged)} cases; "
          f"content purged for {len(report.content_purged)} cases")
    return 0


async def _reveal(settings: Settings, case_number: str, key: Path, reason: str) -> int:
    from storage.disclosure import DisclosureError, reveal_contact

    db = await _offline_database(settings)
    try:
        contact = await reveal_contact(db, case_number.upper(), key, reason)
    except DisclosureError as exc:
        print(f"not revealed: {exc} (the attempt was written to the audit log)", file=sys.stderr)
        return 2
    finally:
        await db.close()
    print(contact)
    return 0


def report_group(settings: Settings, named: str | None) -> int | AllGroups | None:
    """The staff group `peluit report --group` names: `ALL_GROUPS` when none is named, None for
    the main group ("main" or its chat id), else a configured group's chat id. ValueError for
    anything else."""
    from flows.ports import ALL_GROUPS

    if named is None:
        return ALL_GROUPS
    words = named.strip().lower()
    if words == "main":
        return None
    try:
        chat_id = int(words)
    except ValueError:
        raise ValueError(f"--group {named!r} is neither 'main' nor a chat id") from None
    if chat_id not in settings.staff_groups:
        raise ValueError(f"--group {chat_id} is not one of the configured staff groups")
    return None if chat_id == settings.staff_chat_id else chat_id


async def _report(settings: Settings, start: date, end: date, out: Path | None,
                  csv_out: Path | None, group_named: str | None = None) -> int:
    """The period report (PDF) and/or its counts (CSV) of every staff group's cases (or the
    one `--group` names), written where the operator said, and audited (who cannot be known
    here: the operator)."""
    from bot.app import policy_from
    from bot.reports.maker import ReportMaker

    if out is None and csv_out is None:
        print("nothing to write: give --out FILE.pdf and/or --csv FILE.csv", file=sys.stderr)
        return 2
    if end < start:
        print("--to is before --from: nothing was written", file=sys.stderr)
        return 2
    try:
        group = report_group(settings, group_named)
    except ValueError as wrong:
        print(f"{wrong}: nothing was written", file=sys.stderr)
        return 2
    db = await _offline_database(settings)
    try:
        maker = ReportMaker(db, policy_from(settings))
        written = []
        if out is not None:
            made = await maker.period(start, end, settings.staff_language, group)
            _write_private(out, made.data)
            written.append(f"{out} ({len(made.data) // 1024} KiB)")
        if csv_out is not None:
            _write_private(csv_out, (await maker.period_csv(start, end, group)).encode())
            written.append(str(csv_out))
        async with db.uow() as uow:
            await uow.audit.record("operator", "report.period_made", None,
                                   f"{start.isoformat()}..{end.isoformat()}")
            await uow.commit()
    finally:
        await db.close()
    which = ("all staff groups" if group_named is None
             else "the main staff group" if group is None else f"staff group {group}")
    print(f"period {start.isoformat()}..{end.isoformat()}, {which}: wrote {', '.join(written)}")
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """A report is confidential: readable by its owner only (0600), written whole."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _calm_line(error: BaseException) -> str:
    """One line for the terminal about an error nobody caught: its type and what to check, never
    its text (python-telegram-bot's InvalidToken message quotes the whole token)."""
    from telegram.error import InvalidToken, NetworkError

    kind = type(error).__name__
    if isinstance(error, InvalidToken):
        return (f"Peluit cannot start: Telegram rejected the bot token ({kind}). Check "
                "TELEGRAM_BOT_TOKEN (@BotFather gives it; /revoke makes a new one) and "
                "TELEGRAM_API_URL.")
    if isinstance(error, NetworkError):
        return (f"Peluit cannot reach the Bot API ({kind}). Check the network and "
                "TELEGRAM_API_URL, then start it again.")
    if isinstance(error, OSError) and error.errno is not None:
        return (f"Peluit stopped: the system refused something it needs ({kind}, errno "
                f"{error.errno}): a port already in use (PELUIT_WEBHOOK_PORT, PELUIT_HEALTH_PORT) "
                "or a file it cannot open (PELUIT_DATA_DIR).")
    return (f"Peluit stopped on an unexpected error ({kind}). The lines above show its last "
            "events; PELUIT_LOG_LEVEL=DEBUG shows more.")


def _uncaught(kind: type[BaseException], error: BaseException, _tb: object) -> None:
    if issubclass(kind, KeyboardInterrupt):
        print("Peluit stopped (interrupted).", file=sys.stderr)
        return
    print(_calm_line(error), file=sys.stderr)


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    log.error("thread.unhandled type=%s", args.exc_type.__name__)


def install_exception_hooks() -> None:
    """Whatever escapes is printed as one calm line: Python's default traceback quotes values
    (a token, a path with a name in it, a piece of an update)."""
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread


def main(argv: Sequence[str] | None = None) -> None:
    install_exception_hooks()
    try:
        _main(argv)
    except (SystemExit, KeyboardInterrupt):
        raise  # SystemExit carries Peluit's own message (a setting to set, a command to run)
    except Exception as error:
        print(_calm_line(error), file=sys.stderr)
        sys.exit(1)


def _main(argv: Sequence[str] | None) -> None:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "sandbox":  # its own settings; never the production configuration
        from sandbox.main import run_sandbox

        run_sandbox(seeded=args.seed, port=args.port)
        return
    settings = load_settings(require_telegram=command in ("run", "check"))
    logs.configure(settings.log_level, secrets=(settings.telegram_bot_token,))
    if command == "run":
        from bot.app import serve
        from bot.selfcheck import StaffGroupUnreachable

        try:
            asyncio.run(serve(settings))
        except StaffGroupUnreachable as refused:
            print("Peluit did not start: " + "; ".join(
                f.text for f in refused.report.findings if f.level != "ok"), file=sys.stderr)
            sys.exit(1)
        return
    if command == "check":
        sys.exit(asyncio.run(_check(settings)))
    if command != "migrate":
        _require_keys(settings)
    if command == "migrate":
        code = asyncio.run(_migrate(settings))
    elif command == "keys":
        code = asyncio.run(_rotate(settings))
    elif command == "purge":
        code = asyncio.run(_purge(settings))
    elif command == "identity":
        code = asyncio.run(_reveal(settings, args.case_number, args.key, args.reason))
    elif command == "report":
        code = asyncio.run(_report(settings, args.start, args.end, args.out, args.csv,
                                   args.group))
    else:
        code = asyncio.run(_audit_verify(settings))
    sys.exit(code)
