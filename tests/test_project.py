"""Project-level promises: documented settings, a parseable compose file, pinned image stack."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest
import yaml

from casework.settings import Environment, Settings
from service.cli import build_parser
from service.secrets_folder import READ_BY_TAKEDOWN, write_secrets

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
    assert {"caddy", "api", "worker", "redis", "postgres", "migrate"} <= set(services)
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


def test_compose_serves_only_through_caddy_and_the_api_believes_only_caddys_header() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"caddy"}
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]

    edge = compose["networks"]["edge"]["ipam"]["config"][0]
    caddy = ip_address(services["caddy"]["networks"]["edge"]["ipv4_address"])
    assert caddy in ip_network(edge["subnet"]) and caddy not in ip_network(edge["ip_range"])
    on_edge = {name for name, service in services.items() if "edge" in service.get("networks", [])}
    assert on_edge == {"caddy", "api"}

    trusted = services["api"]["environment"]["TAKEDOWN_TRUSTED_PROXIES"]
    settings = Settings(
        environment=Environment.PRODUCTION, secret_key="x" * 40, trusted_proxies=trusted
    )
    assert settings.trusted_proxy_networks == (ip_network(caddy),)


def test_compose_gives_the_worker_a_health_check_the_cli_knows() -> None:
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    test = services["worker"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "takedown"]
    assert build_parser().parse_args(test[2:]).check is True


def test_compose_mounts_the_platform_registry_where_the_service_reads_it() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert compose["configs"]["platform_registry"]["file"] == "./platforms.toml"
    for name in ("api", "worker", "migrate"):
        service = compose["services"][name]
        targets = {c["target"] for c in service["configs"] if c["source"] == "platform_registry"}
        assert targets == {service["environment"]["TAKEDOWN_PLATFORM_REGISTRY"]}, name


def test_compose_reads_the_secrets_takedown_init_writes(tmp_path: Path) -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    written = write_secrets(tmp_path / "secrets", database_host="postgres")
    assert {name: secret["file"] for name, secret in compose["secrets"].items()} == {
        path.name: f"./secrets/{path.name}" for path in written
    }
    for name in ("api", "worker", "migrate"):
        assert set(compose["services"][name]["secrets"]) == set(READ_BY_TAKEDOWN), name
    assert compose["services"]["postgres"]["secrets"] == ["postgres_password"]


@pytest.mark.parametrize(
    ("domain", "tls"), [("takedown.example.org", "ops@example.org"), ("localhost", "internal")]
)
def test_the_caddyfile_is_valid_for_a_public_domain_and_for_a_local_try(
    domain: str, tls: str, tmp_path: Path
) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (Debian: apt-get install caddy): Caddyfile unchecked")
    env = {
        **os.environ,
        "TAKEDOWN_DOMAIN": domain,
        "TAKEDOWN_TLS": tls,
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    command = [caddy, "validate", "--config", str(REPO / "Caddyfile"), "--adapter", "caddyfile"]
    validated = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert validated.returncode == 0, validated.stderr
    command[1] = "adapt"
    adapted = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    server = json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["routes"][0]["match"] == [{"host": [domain]}]
    handlers = server["routes"][0]["handle"][0]["routes"][0]["handle"]
    assert handlers[0] == {"handler": "request_body", "max_size": Settings().check_image_max_bytes}
    assert handlers[1]["dynamic_upstreams"] == {
        "source": "a",
        "name": "api",
        "port": "8000",
        "refresh": 5_000_000_000,
    }
    assert "logs" not in server, "an access log would hold every client's address"


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
