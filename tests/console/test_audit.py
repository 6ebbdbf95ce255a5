"""The audit log: append-only in the database, hash-chained, verified by `takedown audit verify`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from casework import audit
from casework.db import transaction
from casework.models import AuditEvent
from casework.runtime import Runtime
from tests.personas import Console, World

TAKEDOWN = str(Path(sys.executable).parent / "takedown")


def environment(runtime: Runtime) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "TAKEDOWN_ENVIRONMENT": "test",
        "TAKEDOWN_DATABASE_URL": runtime.settings.database_url,
        "TAKEDOWN_SECRET_KEY": runtime.settings.secret_key.get_secret_value(),
        "TAKEDOWN_ARGON2_MEMORY_KIB": "1024",
        "TAKEDOWN_ARGON2_TIME_COST": "1",
    }


def test_console_actions_are_chained_in_the_audit_log(
    carol: Console, world: World, runtime: Runtime
) -> None:
    carol.client.get(f"/console/cases/{world.case_id}")
    carol.post(f"/console/matches/{world.match_ids[0]}/confirm")
    with runtime.sessions() as session:
        actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
        assert {"account_created", "login", "case_viewed", "match_confirmed"} <= set(actions)
        check = audit.verify_chain(session)
    assert check.ok and check.checked == len(actions)


@pytest.mark.battery("A10")
def test_the_database_refuses_to_update_or_delete_audit_rows(
    world: World, runtime: Runtime
) -> None:
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with transaction(runtime.sessions) as session:
                session.execute(text(statement))


def bypass_triggers_and_edit(runtime: Runtime, event_id: int) -> None:
    """What someone with the database owner's rights could do."""
    with runtime.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            connection.execute(
                text("UPDATE audit_events SET object_id = '999' WHERE id = :id"), {"id": event_id}
            )
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(
                text("UPDATE audit_events SET object_id = '999' WHERE id = :id"), {"id": event_id}
            )


@pytest.mark.battery("A10")
def test_the_chain_check_finds_an_edited_row(world: World, runtime: Runtime) -> None:
    with runtime.sessions() as session:
        assert audit.verify_chain(session).ok
    bypass_triggers_and_edit(runtime, 2)
    with runtime.sessions() as session:
        check = audit.verify_chain(session)
    assert not check.ok and check.first_bad_id == 2
    assert "content does not match" in check.problem


def test_the_audit_verify_command_reports_the_first_bad_row(world: World, runtime: Runtime) -> None:
    ok = subprocess.run(
        [TAKEDOWN, "audit", "verify"],
        env=environment(runtime),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "audit log intact: 3 events" in ok.stdout
    bypass_triggers_and_edit(runtime, 3)
    broken = subprocess.run(
        [TAKEDOWN, "audit", "verify"],
        env=environment(runtime),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert broken.returncode == 1 and "BROKEN at event 3" in broken.stderr


def test_admin_create_makes_the_first_organisation_and_its_admin(
    database_url: str, runtime: Runtime
) -> None:
    result = subprocess.run(
        [
            TAKEDOWN,
            "admin",
            "create",
            "--organisation",
            "Stichting Hulp",
            "--email",
            "Admin@Hulp.example",
            "--name",
            "Ada",
            "--password-stdin",
        ],
        input="a long enough password\n",
        env=environment(runtime),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "admin admin@hulp.example created in Stichting Hulp (slug stichting-hulp)" in result.stdout
    )
    again = subprocess.run(
        [
            TAKEDOWN,
            "admin",
            "create",
            "--organisation",
            "Stichting Hulp",
            "--email",
            "admin@hulp.example",
            "--name",
            "Ada",
            "--password-stdin",
        ],
        input="a long enough password\n",
        env=environment(runtime),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 1 and "exists already" in again.stderr
    with runtime.sessions() as session:
        assert audit.verify_chain(session).checked == 1
