"""extract_image_urls: which page URLs become image candidates, resolved, deduplicated, bounded."""

from __future__ import annotations

import time

import pytest

from workers.pages import extract_image_urls, extract_page_links

PAGE = "https://leak.example/gallery/page.html"


def extract(body: str, base_url: str = PAGE, limit: int = 50) -> list[str]:
    return extract_image_urls(body.encode(), base_url, limit)


def test_img_src_is_resolved_against_the_final_url() -> None:
    assert extract('<img src="a.jpg"><img src="/b.png"><img src="../c.gif">') == [
        "https://leak.example/gallery/a.jpg",
        "https://leak.example/b.png",
        "https://leak.example/c.gif",
    ]


def test_protocol_relative_urls_take_the_page_scheme() -> None:
    assert extract('<img src="//cdn.example/x.webp">') == ["https://cdn.example/x.webp"]


def test_every_srcset_candidate_is_a_candidate() -> None:
    html = '<img srcset="s.jpg 320w, m.jpg 640w,l.jpg 2x , /xl.jpg">'
    assert extract(html) == [
        "https://leak.example/gallery/s.jpg",
        "https://leak.example/gallery/m.jpg",
        "https://leak.example/gallery/l.jpg",
        "https://leak.example/xl.jpg",
    ]


def test_srcset_urls_may_contain_commas() -> None:
    html = '<img srcset="/img,1.jpg 1x, /img,2.jpg 2x, /trailing.jpg,">'
    assert extract(html) == [
        "https://leak.example/img,1.jpg",
        "https://leak.example/img,2.jpg",
        "https://leak.example/trailing.jpg",
    ]


def test_picture_sources_are_candidates_but_video_sources_are_not() -> None:
    html = """
        <picture><source srcset="/p.webp 1x, /p2.webp 2x" type="image/webp"><img src="/p.jpg">
        </picture>
        <video><source src="/v.mp4" srcset="/not-an-image.jpg"></video>
    """
    assert extract(html) == [
        "https://leak.example/p.webp",
        "https://leak.example/p2.webp",
        "https://leak.example/p.jpg",
    ]


@pytest.mark.parametrize(
    "meta",
    [
        '<meta property="og:image" content="/og.jpg">',
        '<meta property="og:image:url" content="/og.jpg">',
        '<meta property="OG:IMAGE:SECURE_URL" content="/og.jpg">',
        '<meta name="twitter:image" content="/og.jpg">',
        '<meta name="twitter:image:src" content="/og.jpg">',
    ],
)
def test_social_preview_images_are_candidates(meta: str) -> None:
    assert extract(f"<html><head>{meta}</head></html>") == ["https://leak.example/og.jpg"]


def test_other_meta_tags_are_ignored() -> None:
    html = '<meta property="og:url" content="/x.jpg"><meta name="description" content="/y.jpg">'
    assert extract(html) == []


def test_link_image_src_is_a_candidate() -> None:
    assert extract('<link rel="Image_Src" href="/thumb.png">') == ["https://leak.example/thumb.png"]


def test_links_count_only_when_they_point_at_image_files() -> None:
    html = """
        <a href="/full/1.JPG">one</a> <a href="/full/2.jpeg?size=orig#top">two</a>
        <a href="/next.html">next</a> <a href="/img.php?file=3.jpg">script</a>
        <a href="/download.png.exe">trap</a> <a href="/4.bmp">four</a>
    """
    assert extract(html) == [
        "https://leak.example/full/1.JPG",
        "https://leak.example/full/2.jpeg?size=orig",
        "https://leak.example/4.bmp",
    ]


def test_lazy_loading_attributes_are_candidates() -> None:
    html = '<img src="/spacer.gif" data-src="/real.jpg" data-srcset="/real@2x.jpg 2x">'
    assert extract(html) == [
        "https://leak.example/spacer.gif",
        "https://leak.example/real.jpg",
        "https://leak.example/real@2x.jpg",
    ]


def test_base_href_changes_where_relative_urls_point() -> None:
    html = '<head><base href="https://cdn.example/media/"></head><img src="a.jpg">'
    assert extract(html) == ["https://cdn.example/media/a.jpg"]


def test_a_relative_base_href_is_itself_resolved_against_the_page() -> None:
    html = '<img src="a.jpg"><base href="/static/">'
    assert extract(html) == ["https://leak.example/static/a.jpg"]


def test_a_non_http_base_href_is_ignored() -> None:
    html = '<base href="javascript:alert(1)//"><img src="a.jpg">'
    assert extract(html) == ["https://leak.example/gallery/a.jpg"]


def test_data_javascript_and_other_schemes_are_dropped() -> None:
    html = """
        <img src="data:image/png;base64,iVBORw0KGgo=">
        <img src="javascript:alert(1)"> <img src="file:///etc/passwd">
        <img src="ftp://x.example/a.jpg"> <img src="blob:https://x.example/1">
        <img srcset="data:image/gif;base64,R0lGOD 1x, /ok.jpg 2x">
        <img src="http:///no-host.jpg"> <img src="http://[::1/broken.jpg">
    """
    assert extract(html) == ["https://leak.example/ok.jpg"]


def test_urls_are_deduplicated_in_document_order_ignoring_fragments() -> None:
    html = """
        <meta property="og:image" content="/b.jpg">
        <img src="/a.jpg"><img src="/b.jpg#x"><img src="https://leak.example/a.jpg">
        <a href="/b.jpg">b</a>
    """
    assert extract(html) == ["https://leak.example/b.jpg", "https://leak.example/a.jpg"]


def test_attribute_whitespace_is_trimmed_and_empty_values_skipped() -> None:
    html = '<img src="  /a.jpg\n"><img src=""><img src="   "><img src="#top"><img>'
    assert extract(html) == ["https://leak.example/a.jpg"]


def test_the_limit_bounds_the_result() -> None:
    html = "".join(f'<img src="/{i}.jpg">' for i in range(10))
    assert extract(html, limit=3) == [f"https://leak.example/{i}.jpg" for i in range(3)]
    assert extract(html, limit=0) == []


def test_ten_thousand_images_yield_fifty() -> None:
    html = "".join(f'<img src="/{i}.jpg">' for i in range(10_000))
    urls = extract(html)
    assert len(urls) == 50
    assert urls[-1] == "https://leak.example/49.jpg"


def test_a_srcset_with_five_hundred_entries_is_bounded() -> None:
    srcset = ", ".join(f"/s{i}.jpg {i + 1}w" for i in range(500))
    urls = extract(f'<img srcset="{srcset}">')
    assert len(urls) == 50
    assert urls[0] == "https://leak.example/s0.jpg"


@pytest.mark.parametrize(
    "unit", ['<a href="/page.html">x</a>', '<img src="/same.jpg">', '<div class="x"></div>']
)
def test_a_two_mebibyte_page_of_repeated_elements_is_scanned_quickly(unit: str) -> None:
    html = unit * (2 * 1024 * 1024 // len(unit))
    started = time.monotonic()
    assert len(extract(html)) <= 1
    assert time.monotonic() - started < 2


def test_scripts_are_never_run_and_their_text_is_not_markup() -> None:
    html = """
        <script>document.write('<img src="/from-script.jpg">')</script>
        <template><img src="/in-template.jpg"></template>
        <textarea><img src="/in-textarea.jpg"></textarea>
        <!-- <img src="/in-comment.jpg"> -->
        <noscript><img src="/in-noscript.jpg"></noscript>
        <iframe src="/frame.html"></iframe>
    """
    assert extract(html) == ["https://leak.example/in-noscript.jpg"]


def test_xml_entity_expansion_is_not_performed() -> None:
    lol = '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    html = f'<?xml version="1.0"?><!DOCTYPE lolz [{lol}]><lolz>&lol2;</lolz><img src="/x.jpg">'
    started = time.monotonic()
    assert extract(html) == ["https://leak.example/x.jpg"]
    assert time.monotonic() - started < 1


def test_the_declared_encoding_is_honoured() -> None:
    body = '<meta charset="windows-1251"><img src="/фото.jpg">'.encode("windows-1251")
    assert extract_image_urls(body, PAGE) == ["https://leak.example/фото.jpg"]


@pytest.mark.parametrize("body", [b"", b"\x00\xff\xfe garbage \x89PNG", b"<img", b"<<<>>>"])
def test_empty_or_garbage_input_yields_nothing(body: bytes) -> None:
    assert extract_image_urls(body, PAGE) == []


def test_a_non_http_page_url_yields_only_absolute_candidates() -> None:
    html = '<img src="rel.jpg"><img src="https://x.example/abs.jpg">'
    assert extract(html, base_url="about:blank") == ["https://x.example/abs.jpg"]


def test_page_links_are_absolute_deduplicated_and_leave_out_images_and_fragments() -> None:
    html = b"""<base href="/forum/">
    <a href="thread/2">next</a><a href="thread/2#reply">same page</a>
    <a href="/media/a.JPG">an image</a><a href="#top">top</a>
    <a href="mailto:x@example.org">mail</a><a href="https://other.example/x">away</a>
    <a href="thread/3?page=2">query</a>"""
    assert extract_page_links(html, "https://leaks.example/forum/thread/1") == [
        "https://leaks.example/forum/thread/2",
        "https://other.example/x",
        "https://leaks.example/forum/thread/3?page=2",
    ]


def test_page_links_stop_at_the_limit() -> None:
    html = b"".join(b'<a href="/p/%d">p</a>' % n for n in range(1000))
    assert len(extract_page_links(html, "https://leaks.example/", limit=25)) == 25
