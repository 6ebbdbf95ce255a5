"""The victim pages over HTTP (no browser): languages, security headers, first-party only."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.victims import timeline
from service.web.headers import CONTENT_SECURITY_POLICY
from service.web.pages import STATIC_DIR, Page
from service.web.texts import SCRIPT_COUNTS, SCRIPT_MESSAGES

PAGES = ["/", "/status", "/add", "/withdraw", "/recover"]
ALL_PAGES = PAGES + [f"/nl{path}" for path in PAGES]
VICTIM_SCRIPTS = sorted((STATIC_DIR / "victim").rglob("*.js"))
STATIC = [
    *(f"/static/{path.relative_to(STATIC_DIR).as_posix()}" for path in VICTIM_SCRIPTS),
    "/static/hasher/worker.js",
    "/static/victim/site.css",
]
# What can send something from a page: only the API client (api.js) may hold one.
REQUEST_CALLS = re.compile(r"\bfetch\(|XMLHttpRequest|sendBeacon|WebSocket|EventSource|\bimport\(")


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_is_served_in_its_language(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    lang = "nl" if path.startswith("/nl/") else "en"
    assert f'<html lang="{lang}">' in response.text
    assert "set-cookie" not in response.headers


def test_the_dutch_root_without_a_slash_leads_to_the_dutch_page(client: TestClient) -> None:
    response = client.get("/nl", follow_redirects=False)
    assert response.status_code in (307, 308) and response.headers["location"].endswith("/nl/")


@pytest.mark.parametrize("path", ALL_PAGES + STATIC + ["/v1/case", "/healthz"])
def test_responses_carry_the_strict_policy_and_security_headers(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == directives["connect-src"] == "'self'"
    assert directives["worker-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["media-src"] == "blob:"
    assert "unsafe" not in policy and "http" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ALL_PAGES)
def test_pages_load_nothing_from_another_origin_and_run_no_inline_code(
    client: TestClient, path: str
) -> None:
    html = client.get(path).text
    # What the page loads by itself (links to support services are only followed if clicked).
    for tag in re.findall(r"<(?:script|link|img|iframe|object|embed)\b[^>]*>", html):
        for url in re.findall(r'(?:src|href)="([^"]*)"', tag):
            assert url.startswith("/") and not url.startswith("//"), tag
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    for attributes, body in scripts:
        assert 'type="module" src="/static/' in attributes or (
            'type="application/json"' in attributes and "<" not in body
        )
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers are blocked by the CSP"
    assert " style=" not in html, "inline styles are blocked by the CSP"


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_loads_only_its_own_module(client: TestClient, path: str) -> None:
    prefix = "/nl" if path.startswith("/nl/") else ""
    page = Page(path.removeprefix(prefix))
    html = client.get(path).text
    modules = re.findall(r'<script type="module" src="([^"]*)"', html)
    assert modules == [f"/static/victim/pages/{page.name.lower()}.js"]


def test_only_the_api_client_makes_requests_from_the_victim_pages() -> None:
    makers = [
        path.name
        for path in VICTIM_SCRIPTS
        if REQUEST_CALLS.search(path.read_text(encoding="utf-8"))
    ]
    assert makers == ["api.js"]


@pytest.mark.parametrize("path", STATIC)
def test_scripts_and_styles_are_served_with_their_types(client: TestClient, path: str) -> None:
    response = client.get(path)
    expected = "text/css" if path.endswith(".css") else "text/javascript"
    assert response.headers["content-type"].startswith(expected)


def page_config(client: TestClient, path: str) -> dict[str, Any]:
    html = client.get(path).text
    found = re.search(r'<script type="application/json" id="config">(.*?)</script>', html, re.S)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_the_dutch_page_gives_the_script_every_message_in_dutch(client: TestClient) -> None:
    english, dutch = page_config(client, "/")["messages"], page_config(client, "/nl/")["messages"]
    assert english == SCRIPT_MESSAGES
    assert dutch.keys() == english.keys()
    same = [key for key in english if dutch[key] == english[key] and not key.startswith("alg_")]
    assert same == []


# Dutch says "1 uur" and "5 uur".
SAME_FOR_ONE_IN_DUTCH = {"tl_removed_after", "tl_removed_after_video"}


def test_the_page_gives_the_script_both_forms_of_every_counted_message_in_its_language(
    client: TestClient,
) -> None:
    english, dutch = page_config(client, "/")["counted"], page_config(client, "/nl/")["counted"]
    assert english == {
        key: {"count": counted.count, "one": counted.forms[0], "other": counted.forms[1]}
        for key, counted in SCRIPT_COUNTS.items()
    }
    assert dutch.keys() == english.keys()
    for key, forms in dutch.items():
        assert forms["count"] == english[key]["count"]
        assert forms["one"] != forms["other"] or key in SAME_FOR_ONE_IN_DUTCH
        # A form may be the English word ("{count} video"), never both of them.
        assert (forms["one"], forms["other"]) != (english[key]["one"], english[key]["other"])


# A placeholder followed by a plural word ("{count} files") is a number with words that must
# agree with it, unless it names something else ("{host} for re-uploads").
NUMBER_AND_WORDS = re.compile(r"\{(\w+)\} (?:(?![\w-]+ing )[\w-]+ )?[\w-]+s\b")
NOT_NUMBERS = {"host", "platform"}
# The page's own fixed limits, which are never 1 ("{min} pixels on a side").
LIMITS = {"too_small", "too_many_pixels", "video_too_small", "video_too_long"}


def test_every_number_with_words_after_it_on_the_pages_is_a_counted_message() -> None:
    plain = {
        key: message
        for key, message in SCRIPT_MESSAGES.items()
        if set(NUMBER_AND_WORDS.findall(message)) - NOT_NUMBERS and key not in LIMITS
    }
    assert plain == {}


@pytest.mark.parametrize(
    ("path", "forms"),
    [
        (
            "/",
            {
                "files": ("{count} file", "{count} files"),
                "fingerprints": ("{count} fingerprint", "{count} fingerprints"),
                "crops": ("{count} crop", "{count} crops"),
                "already_held": ("{count} was already in it", "{count} were already in it"),
            },
        ),
        (
            "/nl/",
            {
                "files": ("{count} bestand", "{count} bestanden"),
                "fingerprints": ("{count} vingerafdruk", "{count} vingerafdrukken"),
                "crops": ("{count} uitsnede", "{count} uitsneden"),
                "already_held": ("{count} zat er al in", "{count} zaten er al in"),
            },
        ),
    ],
)
def test_a_sentence_with_two_numbers_gets_each_number_with_its_own_words_in_both_forms(
    client: TestClient, path: str, forms: dict[str, tuple[str, str]]
) -> None:
    config = page_config(client, path)
    counted = config["counted"]
    pieces = {key: (counted[key]["one"], counted[key]["other"]) for key in forms}
    assert pieces == forms
    # The sentences they go into name them, and hold no number of their own.
    sentences = {key: config["messages"][key] for key in ("progress_done", "added", "crops_hashed")}
    for sentence in sentences.values():
        assert not re.search(r"\{(count|total|added|duplicates|sent)\}", sentence)
    assert "{files}" in sentences["progress_done"] and "{held}" in sentences["added"]
    assert "{crops}" in sentences["crops_hashed"]


def test_the_victim_pages_and_the_console_call_a_case_the_same_in_dutch(
    client: TestClient,
) -> None:
    page = client.get("/nl/status").text
    console = client.get("/console/login", headers={"accept-language": "nl"}).text
    assert "Zaaknummer" in page and "meldingsnummer" not in page.lower()
    assert 'lang="nl"' in console and "Inloggen" in console


def test_every_kind_of_timeline_event_has_words_on_the_pages() -> None:
    # pages/status.js falls back to the service's English text for a kind it has no words for, which
    # would put English on the Dutch page: every kind casework/victims/timeline.py tells needs a
    # key.
    source = ast.parse(Path(timeline.__file__).read_text(encoding="utf-8"))
    kinds = {
        node.args[1].value
        for node in ast.walk(source)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Event"
        and isinstance(node.args[1], ast.Constant)
    }
    assert {"opened", "fingerprints", "removed", "withdrawn"} <= kinds
    keys = SCRIPT_MESSAGES.keys() | SCRIPT_COUNTS.keys()
    missing = [k for k in kinds if not any(key.startswith(f"tl_{k}") for key in keys)]
    assert missing == []


def test_https_responses_tell_browsers_to_stay_on_https(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/").headers
    secure = TestClient(client.app, base_url="https://testserver")
    assert secure.get("/").headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("path", [*ALL_PAGES, "/console/login", *STATIC])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
    assert head.content == b""


def test_the_dutch_under_18_routing_names_the_dutch_channels_and_take_it_down(
    client: TestClient,
) -> None:
    html = client.get("/nl/").text
    [section] = re.findall(r'<aside class="notice under18-short".*?</aside>', html, flags=re.S)
    for url in (
        "https://takeitdown.ncmec.org",
        "https://www.helpwanted.nl",
        "https://www.offlimits.nl",
        "https://www.kindertelefoon.nl",
        "https://www.fier.nl",
    ):
        assert f'href="{url}"' in section
    assert "Meldpunt Kinderporno" in section
