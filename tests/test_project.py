"""Project-level promises: documented settings, a parseable compose file, pinned image stack."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from casework.settings import Environment, Settings
from service.cli import build_parser

REPO = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented() -> None:
    documented = set(
        re.findall(r"`TAKEDOWN_([A-Z0-9_]+)`", (REPO / "docs/configuration.md").read_text())
    )
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_default_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValueError, match="TAKEDOWN_SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION)


def test_production_refuses_loopback_fetching() -> None:
    with pytest.raises(ValueError, match="refused in production"):
        Settings(environment=Environment.PRODUCTION, secret_key="x" * 40, fetch_allow_loopback=True)


def test_secrets_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s" * 40 + "\n")
    monkeypatch.setenv("TAKEDOWN_SECRET_KEY_FILE", str(secret))
    assert Settings(environment=Environment.PRODUCTION).secret_key.get_secret_value() == "s" * 40


def test_compose_describes_api_worker_redis_with_aof_postgres_and_migrations() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"api", "worker", "redis", "postgres", "migrate"} <= set(services)
    assert "--appendonly" in services["redis"]["command"]
    assert (
        services["redis"]["command"][services["redis"]["command"].index("--appendonly") + 1]
        == "yes"
    )
    commands = {name: services[name]["command"] for name in ("api", "worker", "migrate")}
    known = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for name, command in commands.items():
        assert command[0] == "takedown" and command[1] in known, name
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("api", "worker", "migrate"):
        assert services[name]["environment"]["TAKEDOWN_ENVIRONMENT"] == "production"


def test_the_image_stack_is_pinned_exactly() -> None:
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for package in ("pillow", "imagehash", "pdqhash"):
        assert any(re.fullmatch(rf"{package}==[\d.]+", dep) for dep in dependencies), package


def test_migrations_form_one_chain_that_matches_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from casework.db import Base, alembic_config, make_engine, migrate

    url = f"sqlite:///{tmp_path / 'schema.db'}"
    assert len(ScriptDirectory.from_config(alembic_config(url)).get_heads()) == 1
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
