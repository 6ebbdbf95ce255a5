"""Operator commands for the console: `takedown admin create` and `takedown audit verify`."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from hashing.cli import CliError
from hashing.translations import gettext


def add_console_commands(commands: Any) -> None:
    """Register the admin and audit command groups on the `takedown` parser."""
    admin = commands.add_parser("admin", help=gettext("caseworker console accounts"))
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
    create = admin_commands.add_parser(
        "create",
        help=gettext("create an admin account (and its organisation, if new)"),
        description=gettext(
            "Create an administrator of an organisation; the organisation is created when no "
            "organisation has its slug. The first organisation created holds victims' new cases "
            "unless TAKEDOWN_DEFAULT_ORGANISATION names another."
        ),
    )
    create.add_argument("--organisation", required=True, help=gettext("the organisation's name"))
    create.add_argument("--slug", help=gettext("its short name (default: made from the name)"))
    create.add_argument(
        "--contact-email", default="", help=gettext("address notices are signed with")
    )
    create.add_argument(
        "--email", required=True, help=gettext("the admin's e-mail address (login name)")
    )
    create.add_argument(
        "--name", required=True, help=gettext("the admin's name, as it signs notices")
    )
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help=gettext("read the password from standard input"),
    )
    create.set_defaults(func=command_admin_create)

    audit_parser = commands.add_parser("audit", help=gettext("the audit log"))
    audit_commands = audit_parser.add_subparsers(
        dest="audit_command", required=True, metavar="COMMAND"
    )
    verify = audit_commands.add_parser("verify", help=gettext("check the audit log's hash chain"))
    verify.set_defaults(func=command_audit_verify)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(gettext("Password for the new admin: "))
    if getpass.getpass(gettext("Again: ")) != first:
        raise CliError(gettext("the passwords differ; nothing was created"))
    return first


def command_admin_create(args: argparse.Namespace) -> int:
    """Create an organisation's admin; settings come from TAKEDOWN_* variables."""
    from casework import audit
    from casework.db import transaction
    from casework.desk import accounts
    from casework.errors import CaseworkError
    from casework.models import Role
    from casework.runtime import Runtime
    from casework.settings import get_settings

    runtime = Runtime.build(get_settings())
    password = _read_password(args.password_stdin)
    try:
        with transaction(runtime.sessions) as session:
            slug = args.slug or accounts.slugify(args.organisation)
            organisation = accounts.get_organisation(session, slug=slug)
            if organisation is None:
                organisation = accounts.create_organisation(
                    session, name=args.organisation, slug=slug, contact_email=args.contact_email
                )
            caseworker = accounts.create_caseworker(
                session,
                organisation=organisation,
                email=args.email,
                display_name=args.name,
                password=password,
                role=Role.ADMIN,
                passwords=runtime.pins,
                actor=audit.OPERATOR,
            )
            print(
                gettext(
                    "admin {email} created in {organisation} (slug {slug}); log in at "
                    "/console/login"
                ).format(
                    email=caseworker.email, organisation=organisation.name, slug=organisation.slug
                )
            )
    except CaseworkError as error:
        raise CliError(str(error)) from None
    finally:
        runtime.engine.dispose()
    return 0


def command_audit_verify(_args: argparse.Namespace) -> int:
    """Recompute the audit log's hash chain; exit 1 at the first row that does not fit."""
    from casework import audit
    from casework.db import make_engine, make_sessions
    from casework.settings import get_settings

    engine = make_engine(get_settings().database_url)
    try:
        with make_sessions(engine)() as session:
            check = audit.verify_chain(session)
    finally:
        engine.dispose()
    if check.ok:
        print(
            gettext("audit log intact: {count} events, chain verified").format(count=check.checked)
        )
        return 0
    print(
        gettext(
            "audit log BROKEN at event {event}: {problem} ({count} events before it verified)"
        ).format(event=check.first_bad_id, problem=check.problem, count=check.checked),
        file=sys.stderr,
    )
    return 1
