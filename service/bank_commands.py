"""Operator commands for named banks: outside lists beside the victims' bank.

    takedown banks list
    takedown banks add NAME --owner TEXT [--policy review|act]
                       [--source import | --source threatexchange_url --url URL
                        | --source federation --url https://other.example]  (key on stdin)
    takedown banks import --bank NAME --format threatexchange|csv FILE [--replace]
    takedown banks enable NAME | disable NAME | policy NAME act|review | delete NAME
    takedown banks pull NAME                  (now, instead of waiting for the worker's loop)

A federation bank reads the other instance's /v1/feed with a feed key that instance issued
(`takedown keys issue NAME --scope feed` there); give it on standard input, never as an argument.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from hashing.cli import CliError
from service.platform_commands import run_command


def add_bank_commands(commands: Any) -> None:
    """Register `takedown banks ...` on the subparsers."""
    banks = commands.add_parser("banks", help="named banks: other organisations' hash lists")
    verbs = banks.add_subparsers(dest="verb", required=True, metavar="VERB")
    listing = verbs.add_parser("list", help="every bank, its state, policy and size")
    listing.set_defaults(func=run_command(_list))
    add = verbs.add_parser("add", help="a new named bank")
    add.add_argument("name")
    add.add_argument("--owner", required=True, help="the organisation the list comes from")
    add.add_argument("--policy", choices=["review", "act"], default="review")
    add.add_argument(
        "--source", choices=["import", "federation", "threatexchange_url"], default="import"
    )
    add.add_argument("--url", help="the list's URL, or the other instance's base URL")
    add.set_defaults(func=run_command(_add))
    load = verbs.add_parser("import", help="import a list file into a bank, all or nothing")
    load.add_argument("file", help="the list ('-' for standard input)")
    load.add_argument("--bank", required=True)
    load.add_argument("--format", required=True, choices=["threatexchange", "csv"])
    load.add_argument(
        "--replace", action="store_true", help="also drop what the bank holds and the file lacks"
    )
    load.set_defaults(func=run_command(_import))
    for verb, help_text, function in (
        ("enable", "the bank matches again (at each process's next index refresh)", _enable),
        ("disable", "the bank stops matching (at each process's next index refresh)", _disable),
        ("delete", "delete the bank and every fingerprint in it", _delete),
        ("pull", "pull a federation or threatexchange_url bank now", _pull),
    ):
        command = verbs.add_parser(verb, help=help_text)
        command.add_argument("name")
        command.set_defaults(func=run_command(function))
    policy = verbs.add_parser("policy", help="act on a match, or send it to review only")
    policy.add_argument("name")
    policy.add_argument("policy", choices=["act", "review"])
    policy.set_defaults(func=run_command(_policy))


def _list(_args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks

    for bank in banks.list_banks(session):
        state = "enabled" if bank.enabled else "disabled"
        pulled = (
            f"pulled {bank.pulled_at:%Y-%m-%d %H:%M} {bank.pull_result}" if bank.pulled_at else ""
        )
        print(
            f"{bank.name}\t{state}\t{bank.policy}\t{bank.source}\t{bank.fingerprints} "
            f"fingerprint(s)\t{bank.owner}\t{pulled}".rstrip()
        )
    return 0


def _add(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks
    from casework.bank.models import BankPolicy, BankSource

    source = BankSource(args.source)
    key = None
    if source is BankSource.FEDERATION:
        # Asked for, or read from a redirect: never an argument, which ps and shell history keep.
        if sys.stdin.isatty():
            key = getpass.getpass("the remote instance's feed key: ").strip()
        else:
            key = sys.stdin.readline().strip()
    bank = banks.create_bank(
        session,
        vault=runtime.vault,
        name=args.name,
        owner=args.owner,
        source=source,
        policy=BankPolicy(args.policy),
        url=args.url,
        key=key,
    )
    print(f"bank {bank.name} added ({bank.source}, policy {bank.policy})")
    return 0


def _import(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks
    from casework.bank.models import BankSource

    bank = banks.require_bank(session, name=args.bank)
    if bank.source != BankSource.IMPORT:
        raise CliError(f"bank {bank.name} is filled by its {bank.source} pull, not by imports")
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {args.file}: {type(error).__name__}") from None
    fingerprints = banks.parse_list(text, format=args.format)
    applied = banks.import_fingerprints(
        session,
        vault=runtime.vault,
        bank=bank,
        fingerprints=fingerprints,
        replace=args.replace,
    )
    print(
        f"bank {bank.name}: {applied.added} added, {applied.removed} removed, "
        f"{len(fingerprints) - applied.added} already held"
    )
    return 0


def _enable(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks

    bank = banks.require_bank(session, name=args.name)
    moved = banks.set_enabled(session, bank=bank, enabled=True)
    print(f"bank {bank.name} enabled; {moved} fingerprint(s) match again")
    return 0


def _disable(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks

    bank = banks.require_bank(session, name=args.name)
    moved = banks.set_enabled(session, bank=bank, enabled=False)
    print(f"bank {bank.name} disabled; {moved} fingerprint(s) no longer match")
    return 0


def _delete(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks

    bank = banks.require_bank(session, name=args.name)
    name = bank.name
    removed = banks.delete_bank(session, bank=bank)
    print(f"bank {name} deleted with its {removed} fingerprint(s)")
    return 0


def _policy(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks
    from casework.bank.models import BankPolicy

    bank = banks.require_bank(session, name=args.name)
    banks.set_policy(session, bank=bank, policy=BankPolicy(args.policy))
    print(f"bank {bank.name}: policy {bank.policy}")
    return 0


def _pull(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import banks
    from workers.banks import pull_bank
    from workers.context import WorkerContext, fetch_policy
    from workers.queues import connect

    bank = banks.require_bank(session, name=args.name)
    bank_id, name = bank.id, bank.name
    # The pull commits page by page in its own transactions; this one holds no lock meanwhile.
    session.rollback()
    context = WorkerContext(
        runtime=runtime,
        policy=fetch_policy(runtime.settings),
        redis=connect(runtime.settings.redis_url),
    )
    result = pull_bank(context, bank_id)
    print(f"bank {name}: {result}")
    return 0 if result.startswith("ok") else 1
