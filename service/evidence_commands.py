"""`takedown evidence export|verify` and `takedown watch add`: a case's follow-through."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hashing.cli import CliError
from hashing.translations import gettext


def add_evidence_commands(commands: Any) -> None:
    """Register the evidence command group on the `takedown` parser."""
    evidence = commands.add_parser("evidence", help=gettext("signed evidence bundles of cases"))
    evidence_commands = evidence.add_subparsers(
        dest="evidence_command", required=True, metavar="COMMAND"
    )
    export = evidence_commands.add_parser(
        "export",
        help=gettext("write a case's signed evidence bundle (JSON; never an image)"),
        description=gettext(
            "Write the case's URLs, fetch times, HTTP statuses and headers, SHA-256 digests, "
            "distances, notices, platform responses and audit entries as signed JSON. "
            "Settings come from TAKEDOWN_* variables."
        ),
    )
    export.add_argument("case", metavar="CASE", help=gettext("the case ID"))
    export.add_argument("--out", required=True, type=Path, help=gettext("the file to write"))
    export.add_argument("--pdf", type=Path, help=gettext("also write a PDF summary here"))
    export.set_defaults(func=command_evidence_export)
    verify = evidence_commands.add_parser(
        "verify", help=gettext("check an evidence bundle's signature and audit hashes")
    )
    verify.add_argument("file", type=Path, help=gettext("the bundle to check"))
    verify.set_defaults(func=command_evidence_verify)

    watch = commands.add_parser("watch", help=gettext("URLs re-checked for re-uploads"))
    watch_commands = watch.add_subparsers(dest="watch_command", required=True, metavar="COMMAND")
    add = watch_commands.add_parser(
        "add",
        help=gettext("watch a page or image URL of a case for re-uploads"),
        description=gettext(
            "Put a URL on the case's watch list: it is checked now and then every "
            "TAKEDOWN_WATCH_INTERVAL_HOURS; a matching image opens a pending match for review."
        ),
    )
    add.add_argument("case", metavar="CASE", help=gettext("the case ID"))
    add.add_argument("url", metavar="URL", help=gettext("the page or image to watch"))
    add.add_argument(
        "--takedown", metavar="REFERENCE", help=gettext("the notice it follows (TD-...)")
    )
    add.add_argument(
        "--site",
        action="store_true",
        help=gettext(
            "watch the whole site: also follow the host's links from URL, up to "
            "TAKEDOWN_WATCH_SITE_PAGES pages per check"
        ),
    )
    add.set_defaults(func=command_watch_add)


def command_evidence_export(args: argparse.Namespace) -> int:
    """Export one case's bundle; the export itself is audited."""
    from casework.credentials import normalise_case_id
    from casework.db import make_engine, make_sessions, transaction
    from casework.desk import evidence
    from casework.errors import CaseworkError
    from casework.settings import get_settings
    from casework.vault import Vault

    settings = get_settings()
    public_id = normalise_case_id(args.case)
    if public_id is None:
        raise CliError(gettext("that is not a case ID"))
    secret = settings.secret_key.get_secret_value()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessions(engine)) as session:
            data = evidence.export_case(
                session,
                case_public_id=public_id,
                secret=secret,
                vault=Vault(secret, source=settings.secret_source),
            )
    except CaseworkError as error:
        raise CliError(str(error)) from None
    finally:
        engine.dispose()
    args.out.write_bytes(data)
    print(
        gettext("evidence bundle written to {path} (key {key})").format(
            path=args.out, key=evidence.deployment_key_id(secret)
        )
    )
    if args.pdf is not None:
        args.pdf.write_bytes(evidence.summary_pdf(evidence.verify_bundle(data)))
        print(gettext("PDF summary written to {path}").format(path=args.pdf))
    return 0


def command_evidence_verify(args: argparse.Namespace) -> int:
    """Verify a bundle; exit 1 if any byte changed. Needs no database or secret."""
    from casework.desk import evidence
    from casework.errors import BundleInvalid

    try:
        verified = evidence.verify_bundle(args.file.read_bytes())
    except OSError as error:
        raise CliError(
            gettext("cannot read {path}: {reason}").format(path=args.file, reason=error.strerror)
        ) from None
    except BundleInvalid as error:
        print(gettext("evidence bundle INVALID: {reason}").format(reason=error), file=sys.stderr)
        return 1
    bundle = verified.bundle
    print(
        gettext(
            "evidence bundle verified: case {case}, generated {at}, {checks} checks, {notices} "
            "notices, {entries} audit entries, signed by key {key}"
        ).format(
            case=bundle["case"]["id"],
            at=bundle["generated_at"],
            checks=len(bundle["checks"]),
            notices=len(bundle["notices"]),
            entries=len(bundle["audit"]),
            key=verified.key_id,
        )
    )
    return 0


def command_watch_add(args: argparse.Namespace) -> int:
    """Add a URL (or a whole site) to a case's watch list and queue its first check."""
    from redis.exceptions import RedisError

    from casework import audit
    from casework.credentials import normalise_case_id
    from casework.db import make_engine, make_sessions, transaction
    from casework.errors import CaseworkError
    from casework.notices import watches
    from casework.settings import get_settings
    from casework.victims.cases import get_case
    from workers.queues import connect, enqueue_watch_check

    settings = get_settings()
    public_id = normalise_case_id(args.case)
    if public_id is None:
        raise CliError(gettext("that is not a case ID"))
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessions(engine)) as session:
            case = get_case(session, public_id=public_id)
            if case is None:
                raise CliError(gettext("there is no case with this ID"))
            watched_id = watches.add_watch(
                session,
                case=case,
                url=args.url,
                scope=watches.WatchScope.SITE if args.site else watches.WatchScope.PAGE,
                actor=audit.OPERATOR,
                takedown_reference=args.takedown,
            ).id
    except CaseworkError as error:
        raise CliError(str(error)) from None
    finally:
        engine.dispose()
    try:
        enqueue_watch_check(connect(settings.redis_url), watched_id, at=None)
    except RedisError:
        print(gettext("queued for the worker's next reconciler round (Redis did not answer)"))
    watching = (
        gettext("watching the site from {url} for case {case} (watch {watch})")
        if args.site
        else gettext("watching {url} for case {case} (watch {watch})")
    )
    print(watching.format(url=args.url, case=args.case, watch=watched_id))
    return 0
