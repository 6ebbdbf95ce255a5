"""Operator commands for platforms: accounts, keys, webhooks, quarantine and the export.

    takedown platforms add NAME --domain example.com [--algorithms pdq,md5] [--webhook URL]
    takedown platforms list | show NAME | domains NAME --domain ... | webhook NAME URL|--off
    takedown platforms disable NAME
    takedown keys issue NAME --scope check --scope feed [--sees-banks]  (prints the key once)
    takedown keys rotate NAME                                (a second key; revoke the old later)
    takedown keys list NAME | revoke KEY_ID
    takedown flaggers issue NAME                             (a report-only key, printed once)
    takedown flaggers list | revoke KEY_ID
    takedown quarantine list [--all] | release ID | remove ID   (the console reviews them too)
    takedown export --format threatexchange [--platform NAME] [--output FILE]

Settings come from TAKEDOWN_* variables, as for `takedown api`. Keys and webhook secrets are
printed once and never stored in clear; run these commands where nobody else reads the terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from hashing.cli import CliError
from hashing.translations import gettext


def add_platform_commands(commands: Any) -> None:
    """Register the platforms, keys, quarantine and export commands on the subparsers."""
    platforms = commands.add_parser("platforms", help=gettext("manage platform accounts"))
    verbs = platforms.add_subparsers(dest="verb", required=True, metavar="VERB")
    add = verbs.add_parser("add", help=gettext("open an account for a vetted platform"))
    add.add_argument("name")
    add.add_argument(
        "--domain", action="append", default=[], help=gettext("a host it serves (repeat)")
    )
    add.add_argument(
        "--algorithms", help=gettext("what its feed carries, e.g. pdq,md5 (default: all)")
    )
    add.add_argument("--webhook", help=gettext("URL for signed event notifications"))
    add.set_defaults(func=run_command(_platforms_add))
    listing = verbs.add_parser("list", help=gettext("list platform accounts"))
    listing.set_defaults(func=run_command(_platforms_list))
    show = verbs.add_parser("show", help=gettext("one account with its domains and keys"))
    show.add_argument("name")
    show.set_defaults(func=run_command(_platforms_show))
    domains = verbs.add_parser("domains", help=gettext("replace a platform's domains"))
    domains.add_argument("name")
    domains.add_argument("--domain", action="append", default=[], required=True)
    domains.set_defaults(func=run_command(_platforms_domains))
    webhook = verbs.add_parser("webhook", help=gettext("set the webhook URL (prints a new secret)"))
    webhook.add_argument("name")
    target = webhook.add_mutually_exclusive_group(required=True)
    target.add_argument("url", nargs="?")
    target.add_argument("--off", action="store_true", help=gettext("stop sending webhooks"))
    webhook.set_defaults(func=run_command(_platforms_webhook))
    disable = verbs.add_parser("disable", help=gettext("refuse the platform and revoke its keys"))
    disable.add_argument("name")
    disable.set_defaults(func=run_command(_platforms_disable))

    keys = commands.add_parser("keys", help=gettext("issue, rotate and revoke platform API keys"))
    key_verbs = keys.add_subparsers(dest="verb", required=True, metavar="VERB")
    issue = key_verbs.add_parser("issue", help=gettext("a new key for a platform (shown once)"))
    issue.add_argument("name")
    issue.add_argument(
        "--scope",
        action="append",
        choices=["check", "feed", "outcomes"],
        required=True,
        help=gettext("what the key may do (repeat)"),
    )
    issue.add_argument(
        "--sees-banks",
        action="store_true",
        help="check answers name the bank a match came from",
    )
    issue.set_defaults(func=run_command(_keys_issue))
    rotate = key_verbs.add_parser("rotate", help=gettext("a second key with the same scopes"))
    rotate.add_argument("name")
    rotate.set_defaults(func=run_command(_keys_rotate))
    key_list = key_verbs.add_parser("list", help=gettext("a platform's keys (ids, never secrets)"))
    key_list.add_argument("name")
    key_list.set_defaults(func=run_command(_keys_list))
    revoke = key_verbs.add_parser("revoke", help=gettext("revoke a key by its id"))
    revoke.add_argument("key_id")
    revoke.set_defaults(func=run_command(_keys_revoke))

    flaggers = commands.add_parser("flaggers", help="keys of trusted flaggers, who report URLs")
    f_verbs = flaggers.add_subparsers(dest="verb", required=True, metavar="VERB")
    f_issue = f_verbs.add_parser("issue", help="a new report-only key (shown once)")
    f_issue.add_argument("name", help="who holds it, e.g. a helpline")
    f_issue.set_defaults(func=run_command(_flaggers_issue))
    f_list = f_verbs.add_parser("list", help="flaggers' keys (ids, never secrets)")
    f_list.set_defaults(func=run_command(_flaggers_list))
    f_revoke = f_verbs.add_parser("revoke", help="revoke a flagger's key by its id")
    f_revoke.add_argument("key_id")
    f_revoke.set_defaults(func=run_command(_flaggers_revoke))

    quarantine = commands.add_parser("quarantine", help=gettext("fingerprints held for review"))
    q_verbs = quarantine.add_subparsers(dest="verb", required=True, metavar="VERB")
    q_list = q_verbs.add_parser(
        "list", help=gettext("quarantined fingerprints (never their values)")
    )
    q_list.add_argument("--all", action="store_true", help=gettext("include decided ones"))
    q_list.set_defaults(func=run_command(_quarantine_list))
    release = q_verbs.add_parser(
        "release", help=gettext("put a reviewed fingerprint back in the bank")
    )
    release.add_argument("quarantine_id", type=int)
    release.set_defaults(func=run_command(_quarantine_release))
    remove = q_verbs.add_parser(
        "remove", help=gettext("confirm: it stays out of the bank for good")
    )
    remove.add_argument("quarantine_id", type=int)
    remove.set_defaults(func=run_command(_quarantine_remove))

    export = commands.add_parser("export", help=gettext("write the bank for other tools"))
    export.add_argument("--format", required=True, choices=["threatexchange"])
    export.add_argument("--platform", help=gettext("only what this platform may receive"))
    export.add_argument("--output", "-o", help=gettext("file to write (default: standard output)"))
    export.set_defaults(func=run_command(_export))


def run_command(command: Callable[[argparse.Namespace, Any, Any], int]) -> Callable[..., int]:
    """Give a command a runtime and one transaction, and turn domain errors into messages."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            from pydantic import ValidationError
            from sqlalchemy.exc import OperationalError

            from casework.db import transaction
            from casework.errors import CaseworkError
            from casework.runtime import Runtime
            from casework.settings import get_settings, settings_problem
            from service.verified_keys import VerifiedKeys
            from workers.queues import connect
        except ImportError:
            raise CliError(
                gettext("this command needs the service extras: pip install 'takedown[service]'")
            ) from None
        try:
            settings = get_settings()
        except ValidationError as error:
            raise CliError(settings_problem(error)) from None
        runtime = Runtime.build(settings)
        # API processes trust keys they verified until a revocation is announced in Redis.
        VerifiedKeys(connect(runtime.settings.redis_url)).watch(runtime.sessions)
        try:
            with transaction(runtime.sessions) as session:
                return command(args, session, runtime)
        except CaseworkError as error:
            raise CliError(str(error)) from None
        except OperationalError:
            # The driver's message can name the server and user: say what to do instead.
            raise CliError(
                gettext(
                    "cannot open the database: run this command in the folder where "
                    "`takedown up` runs, or set TAKEDOWN_DATABASE_URL"
                )
            ) from None
        finally:
            runtime.engine.dispose()

    return wrapped


def _platforms_add(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    algorithms = platforms.parse_algorithms(args.algorithms.split(",") if args.algorithms else None)
    platform = platforms.create_platform(
        session, name=args.name, domains=args.domain, algorithms=algorithms
    )
    print(
        gettext("platform {name} added; next: {command}").format(
            name=platform.name, command=f"takedown keys issue {platform.name} --scope check"
        )
    )
    if args.webhook:
        secret = platforms.set_webhook(
            session,
            vault=runtime.vault,
            platform=platform,
            url=args.webhook,
            require_https=_production(runtime),
        )
        print(gettext("webhook signing secret (shown once): {secret}").format(secret=secret))
    return 0


def _production(runtime: Any) -> bool:
    from casework.settings import Environment

    # Tests and laptops point webhooks at plain-http receivers on loopback.
    return bool(runtime.settings.environment is Environment.PRODUCTION)


def _platforms_list(_args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    for platform in platforms.list_platforms(session):
        state = "disabled" if platform.disabled_at else "active"
        keys = len(platforms.active_keys(session, platform=platform))
        domains = ",".join(platforms.domains_of(session, platform=platform)) or "-"
        print(f"{platform.name}\t{state}\t{keys} active key(s)\t{domains}")
    return 0


def _platforms_show(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    platform = platforms.require_platform(session, name=args.name)
    print(f"name: {platform.name}")
    print(f"state: {'disabled' if platform.disabled_at else 'active'}")
    print(f"algorithms: {platform.algorithms}")
    print(f"domains: {', '.join(platforms.domains_of(session, platform=platform)) or '-'}")
    print(f"webhook: {platform.webhook_url or '-'}")
    _print_keys(platforms.platform_keys(session, platform=platform))
    return 0


def _platforms_domains(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    platform = platforms.require_platform(session, name=args.name)
    domains = platforms.set_domains(session, platform=platform, domains=args.domain)
    print(f"{platform.name} domains: {', '.join(domains)}")
    return 0


def _platforms_webhook(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    platform = platforms.require_platform(session, name=args.name)
    secret = platforms.set_webhook(
        session,
        vault=runtime.vault,
        platform=platform,
        url=None if args.off else args.url,
        require_https=_production(runtime),
    )
    if secret is None:
        print(gettext("webhooks for {name} are off").format(name=platform.name))
    else:
        print(gettext("webhook signing secret (shown once): {secret}").format(secret=secret))
    return 0


def _platforms_disable(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    platform = platforms.require_platform(session, name=args.name)
    revoked = platforms.disable_platform(session, platform=platform)
    print(
        gettext("platform {name} disabled; {count} key(s) revoked").format(
            name=platform.name, count=revoked
        )
    )
    return 0


def _keys_issue(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms
    from casework.platforms.apikeys import Scope

    platform = platforms.require_platform(session, name=args.name)
    issued = platforms.issue_platform_key(
        session,
        vault=runtime.vault,
        platform=platform,
        scopes=[Scope(s) for s in dict.fromkeys(args.scope)],
        sees_banks=args.sees_banks,
    )
    print(
        gettext("key {key} ({scopes}) for {name}, shown once:").format(
            key=issued.key.key_id, scopes=issued.key.scopes, name=platform.name
        )
    )
    print(issued.token)
    return 0


def _keys_rotate(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    platform = platforms.require_platform(session, name=args.name)
    old = platforms.active_keys(session, platform=platform)
    issued = platforms.rotate_platform_key(session, vault=runtime.vault, platform=platform)
    print(
        gettext("key {key} ({scopes}) for {name}, shown once:").format(
            key=issued.key.key_id, scopes=issued.key.scopes, name=platform.name
        )
    )
    print(issued.token)
    ids = " ".join(key.key_id for key in old)
    print(
        gettext("both keys work now; once {name} uses the new one: {command}").format(
            name=platform.name, command=f"takedown keys revoke {ids}"
        )
    )
    return 0


def _keys_list(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    platform = platforms.require_platform(session, name=args.name)
    _print_keys(platforms.platform_keys(session, platform=platform))
    return 0


def _print_keys(keys: list[Any]) -> None:
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        scopes = key.scopes + (",sees-banks" if key.sees_banks else "")
        print(f"key {key.key_id}\t{scopes}\t{state}\tlast used {used}")


def _keys_revoke(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import platforms

    key, platform = platforms.revoke_platform_key(session, key_id=args.key_id)
    print(gettext("key {key} of {name} revoked").format(key=key.key_id, name=platform.name))
    return 0


def _flaggers_issue(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import apikeys

    issued = apikeys.issue_flagger_key(session, vault=runtime.vault, name=args.name)
    print(f"key {issued.key.key_id} (report) for {args.name}, shown once:")
    print(issued.token)
    return 0


def _flaggers_list(_args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import apikeys

    for key in apikeys.flagger_keys(session):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        print(f"key {key.key_id}\t{key.name}\t{state}\tlast used {used}")
    return 0


def _flaggers_revoke(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.platforms import apikeys

    key = apikeys.revoke_flagger_key(session, key_id=args.key_id)
    print(f"key {key.key_id} of {key.name} revoked")
    return 0


def _quarantine_list(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework.bank import quarantine

    for row in quarantine.list_quarantines(session, include_released=args.all):
        if row.released_at:
            state = f"released {row.released_at:%Y-%m-%d}"
        elif row.removed_at:
            state = f"removed {row.removed_at:%Y-%m-%d}"
        else:
            state = "held"
        print(f"{row.id}\t{state}\t{row.platforms} platform(s)\tsince {row.created_at:%Y-%m-%d}")
    return 0


def _quarantine_release(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework import audit
    from casework.bank import quarantine

    row = quarantine.release_quarantine(
        session, quarantine_id=args.quarantine_id, actor=audit.OPERATOR
    )
    print(
        gettext("quarantine {id} released; the fingerprint is back in the bank").format(id=row.id)
    )
    return 0


def _quarantine_remove(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from casework import audit
    from casework.bank import quarantine

    row = quarantine.confirm_removal(
        session, quarantine_id=args.quarantine_id, actor=audit.OPERATOR
    )
    print(
        gettext("quarantine {id}: removal confirmed; the fingerprint stays out of the bank").format(
            id=row.id
        )
    )
    return 0


def _export(args: argparse.Namespace, session: Any, runtime: Any) -> int:
    from itertools import chain

    from casework.bank import videos
    from casework.platforms import feed, platforms
    from hashing.fingerprint import Algorithm

    algorithms = list(Algorithm)
    if args.platform:
        algorithms = platforms.algorithms_of(
            platforms.require_platform(session, name=args.platform)
        )
    lines = chain(
        feed.threatexchange_lines(session, vault=runtime.vault, algorithms=algorithms),
        videos.threatexchange_lines(session, vault=runtime.vault),
    )
    with _output(args.output) as out:
        count = videos_count = 0
        for line in lines:
            out.write(line)
            if line.startswith("vpdq "):
                videos_count += 1
            else:
                count += 1
    print(
        gettext("exported {count} PDQ hashes and {videos} vPDQ video fingerprints.").format(
            count=count, videos=videos_count
        ),
        file=sys.stderr,
    )
    for algorithm in algorithms:
        reason = feed.THREATEXCHANGE_LEFT_OUT.get(algorithm)
        if reason:
            print(
                gettext("not exported: {algorithm} ({reason}).").format(
                    algorithm=algorithm.value, reason=reason
                ),
                file=sys.stderr,
            )
    print(
        gettext(
            "Removals cannot be expressed in this format: after any withdrawal, write the file "
            "again and have consumers run `threatexchange fetch --clear`, or have them use the "
            "takedown_feed exchange, which follows withdrawals (docs/platforms.md)."
        ),
        file=sys.stderr,
    )
    return 0


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    # Written beside the target and renamed on success: a failed export leaves the previous file
    # whole, and a consumer re-fetching it never reads half a bank. The export is a list of
    # victims' hashes: readable by its owner only, from the first byte.
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
