"""The safe fetcher reads videos under their own byte cap and deadline."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests import videos
from tests.harness import ContentServer
from workers.fetcher import Fetcher, FetchFailed, FetchPolicy, MediaType, Reason
from workers.pages import extract_video_urls


def _fetcher(server: ContentServer, **overrides: object) -> Fetcher:
    port = urlsplit(server.base).port
    assert port is not None
    fields: dict[str, object] = {"allow_loopback": True, "extra_ports": frozenset({port})}
    return Fetcher(FetchPolicy(**{**fields, **overrides}))  # type: ignore[arg-type]


def test_a_video_is_sniffed_by_its_bytes_whatever_its_content_type(
    content_server: ContentServer,
) -> None:
    url = content_server.add("/v", "application/octet-stream", videos.source_video(0))
    with _fetcher(content_server) as fetcher:
        fetched = fetcher.fetch(url, kind="any")
        assert fetched.media_type is MediaType.VIDEO
        assert fetcher.fetch(url, kind="video").body == videos.source_video(0)


def test_a_video_over_its_byte_cap_is_too_large_though_images_may_be_larger(
    content_server: ContentServer,
) -> None:
    url = content_server.add("/v.mp4", "video/mp4", videos.source_video(0))
    with _fetcher(content_server, max_video_bytes=100_000) as fetcher:
        for kind in ("video", "any"):
            with pytest.raises(FetchFailed) as failure:
                fetcher.fetch(url, kind=kind)  # type: ignore[arg-type]
            assert failure.value.reason == Reason.TOO_LARGE


def test_a_page_or_image_asked_for_as_a_video_is_not_a_video(
    content_server: ContentServer,
) -> None:
    url = content_server.add("/p.html", "text/html", b"<!doctype html><p>hi</p>")
    with _fetcher(content_server) as fetcher, pytest.raises(FetchFailed) as failure:
        fetcher.fetch(url, kind="video")
    assert failure.value.reason == Reason.NOT_A_VIDEO


def test_video_sources_and_og_video_are_found_in_a_page() -> None:
    page = (
        b'<html><head><meta property="og:video" content="/og.mp4"></head><body>'
        b'<video src="a.mp4"></video><video><source src="b.webm"><source src="a.mp4"></video>'
        b'<picture><source srcset="x.jpg"></picture><source src="lone.mp4"></body></html>'
    )
    assert extract_video_urls(page, "https://site.example/p/") == [
        "https://site.example/og.mp4",
        "https://site.example/p/a.mp4",
        "https://site.example/p/b.webm",
    ]
    assert len(extract_video_urls(page, "https://site.example/p/", limit=2)) == 2
