"""Per-client budgets behind a reverse proxy: the proxy's X-Forwarded-For, and nobody else's."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from ipaddress import ip_network

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from casework.runtime import Runtime
from casework.settings import Settings
from service.clients import budget_name, client_address
from tests.conftest import free_port, make_settings
from tests.factories import image_set, wire

#: The reverse proxy: a loopback address of its own, so the test's other client is not it.
PROXY = "127.0.0.2"
TRUSTED = [ip_network("10.0.0.0/8"), ip_network("fd00::/8")]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """One case a minute per client, and only the proxy's forwarded header believed."""
    return make_settings(database_url).model_copy(
        update={"trusted_proxies": PROXY, "cases_per_client_per_minute": 1}
    )


@pytest.fixture
def server(app: FastAPI, runtime: Runtime) -> Iterator[str]:
    """The app under uvicorn as `takedown api` runs it: uvicorn's own proxy headers off."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (served.started and runtime.bank.loaded):
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)


def open_case(server: str, *, via: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    transport = httpx.HTTPTransport(local_address=via)
    with httpx.Client(base_url=server, transport=transport, timeout=10) as client:
        body = wire(image_set(random.Random(), 1))
        return client.post("/v1/cases", json=body, headers=headers).status_code


@pytest.mark.battery("A20")
def test_behind_the_trusted_proxy_each_forwarded_client_has_its_own_budget(server: str) -> None:
    assert open_case(server, via=PROXY, forwarded_for="203.0.113.5") == 201
    assert open_case(server, via=PROXY, forwarded_for="198.51.100.9, 203.0.113.6") == 201
    assert open_case(server, via=PROXY, forwarded_for="203.0.113.5") == 429


@pytest.mark.battery("A20")
def test_a_forwarded_header_from_anyone_but_the_proxy_is_ignored(server: str) -> None:
    assert open_case(server, via="127.0.0.1", forwarded_for="203.0.113.7") == 201
    assert open_case(server, via="127.0.0.1", forwarded_for="203.0.113.8") == 429
    assert open_case(server, via=PROXY, forwarded_for="203.0.113.8") == 201


@pytest.mark.battery("A21")
def test_two_ipv6_addresses_in_one_64_share_a_budget_and_the_next_64_does_not(
    server: str,
) -> None:
    assert open_case(server, via=PROXY, forwarded_for="2001:db8:1:2::1") == 201
    assert open_case(server, via=PROXY, forwarded_for="2001:db8:1:2:ffff:ffff:ffff:fffe") == 429
    assert open_case(server, via=PROXY, forwarded_for="2001:db8:1:3::1") == 201


def test_the_client_is_the_nearest_hop_that_is_not_a_trusted_proxy() -> None:
    hops = ["198.51.100.1, 203.0.113.9", "10.1.2.3"]
    assert client_address("10.0.0.1", hops, TRUSTED) == "203.0.113.9"
    assert client_address("fd00::1", ["2001:db8::5"], TRUSTED) == "2001:db8::5"
    assert client_address("::ffff:10.0.0.1", ["203.0.113.4"], TRUSTED) == "203.0.113.4"


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address("203.0.113.4", ["10.0.0.1"], TRUSTED) == "203.0.113.4"
    assert client_address("203.0.113.4", ["198.51.100.1"], []) == "203.0.113.4"


def test_a_hop_that_is_not_an_address_leaves_the_last_trusted_one_as_the_client() -> None:
    assert client_address("10.0.0.1", ["203.0.113.9, unknown"], TRUSTED) == "10.0.0.1"
    assert client_address("10.0.0.1", ["bogus, 10.0.0.2"], TRUSTED) == "10.0.0.2"
    assert client_address("10.0.0.1", [], TRUSTED) == "10.0.0.1"


def test_ipv6_clients_are_named_by_their_64_and_mapped_ipv4_by_its_ipv4() -> None:
    assert (
        budget_name("2001:db8:1:2:3:4:5:6")
        == budget_name("2001:db8:1:2::9")
        == ("2001:db8:1:2::/64")
    )
    assert budget_name("::ffff:203.0.113.4") == budget_name("203.0.113.4") == "203.0.113.4"


def test_a_malformed_trusted_proxy_stops_the_settings_from_loading() -> None:
    with pytest.raises(ValueError, match="TAKEDOWN_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/8, not-an-address")
