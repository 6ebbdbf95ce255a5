"""Find candidate image URLs (and, for site watches, page links) in a fetched HTML page.

Nothing is executed or followed here; the caller decides what to fetch.

The page is parsed by selectolax's Lexbor HTML parser (never an XML parser, so no entity
expansion), with scripting off: nothing runs, and `<noscript>` markup is read as markup.
Sources, in document order:

- `<img src>`, `<img srcset>` (every candidate) and the lazy-loading `data-src`/`data-srcset`
- `<source srcset>` (and `data-srcset`) inside `<picture>`
- `<meta property|name>` og:image, og:image:url, og:image:secure_url, twitter:image(:src)
- `<link rel=image_src href>`
- `<a href>` whose path ends in .jpg .jpeg .png .gif .webp or .bmp

URLs are resolved against the document base (the first `<base href>`, itself resolved
against the page's final URL) and kept only if http or https, without the fragment,
deduplicated, and at most `limit` of them. `data:` URLs are dropped, not decoded: the
fetcher is the only place that enforces byte caps, and inline thumbnails are small.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["extract_image_urls", "extract_page_links", "extract_video_urls"]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
_META_KEYS = frozenset(
    {"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"}
)
_VIDEO_META_KEYS = frozenset({"og:video", "og:video:url", "og:video:secure_url"})
_WHITESPACE = " \t\n\r\f"


def extract_image_urls(html: bytes, base_url: str, limit: int = 50) -> list[str]:
    """Absolute http(s) image URLs found in the page, deduplicated, in document order."""
    if limit <= 0:
        return []
    tree = LexborHTMLParser(html, encoding=True)
    if tree.root is None:
        return []
    base = _document_base(tree, base_url)
    found: dict[str, None] = {}  # an insertion-ordered set
    # Resolving is the costly step; a hostile page repeats one value a hundred thousand times.
    tried: set[tuple[str, bool]] = set()
    for node in tree.root.traverse():
        for raw, must_look_like_image in _candidates(node):
            key = (raw, must_look_like_image)
            if key in tried or (must_look_like_image and not _has_image_extension(raw)):
                continue
            tried.add(key)
            url = _absolute(base, raw)
            if url is None or url in found:
                continue
            if must_look_like_image and not _has_image_extension(urlsplit(url).path):
                continue
            found[url] = None
            if len(found) >= limit:
                return list(found)
    return list(found)


def extract_video_urls(html: bytes, base_url: str, limit: int = 5) -> list[str]:
    """Absolute http(s) URLs of `<video src>`, `<source src>` inside `<video>` and og:video
    meta tags, deduplicated, in document order (videos are large: few are fetched)."""
    parsed = _parsed(html, base_url) if limit > 0 else None
    if parsed is None:
        return []
    tree, base = parsed
    found: dict[str, None] = {}
    for node in tree.css("video[src], video source[src], meta[property], meta[name]"):
        if node.tag == "meta":
            key = (node.attributes.get("property") or node.attributes.get("name") or "").lower()
            raw = node.attributes.get("content") if key.strip() in _VIDEO_META_KEYS else None
        else:
            raw = node.attributes.get("src")
        url = _absolute(base, raw) if raw else None
        if url is not None and url not in found:
            found[url] = None
            if len(found) >= limit:
                break
    return list(found)


def extract_page_links(html: bytes, base_url: str, limit: int = 200) -> list[str]:
    """Absolute http(s) URLs of `<a href>` links that are not images, deduplicated, in order.

    A site watch follows these to the host's other pages; the caller keeps it on one host.
    """
    parsed = _parsed(html, base_url) if limit > 0 else None
    if parsed is None:
        return []
    tree, base = parsed
    found: dict[str, None] = {}
    tried: set[str] = set()
    for node in tree.css("a[href]"):
        raw = node.attributes.get("href") or ""
        if raw in tried or _has_image_extension(raw):
            continue
        tried.add(raw)
        url = _absolute(base, raw)
        if url is None or url in found or _has_image_extension(urlsplit(url).path):
            continue
        found[url] = None
        if len(found) >= limit:
            break
    return list(found)


def _parsed(html: bytes, base_url: str) -> tuple[LexborHTMLParser, str] | None:
    """The page's tree and document base, or None for a page with no document at all."""
    tree = LexborHTMLParser(html, encoding=True)
    if tree.root is None:
        return None
    return tree, _document_base(tree, base_url)


def _has_image_extension(reference: str) -> bool:
    path = reference.split("#", 1)[0].split("?", 1)[0].strip(_WHITESPACE)
    return path.lower().endswith(IMAGE_EXTENSIONS)


def _document_base(tree: LexborHTMLParser, page_url: str) -> str:
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    if href:
        base = _absolute(page_url, href)
        if base is not None:
            return base
    return page_url


def _candidates(node: LexborNode) -> Iterator[tuple[str, bool]]:
    """(raw URL, whether it only counts with an image extension) pairs for one element."""
    tag = node.tag
    if tag not in ("img", "source", "meta", "link", "a"):
        return
    attributes = node.attributes
    if tag == "img":
        for name in ("src", "data-src"):
            if value := attributes.get(name):
                yield value, False
        for name in ("srcset", "data-srcset"):
            yield from ((url, False) for url in _srcset_urls(attributes.get(name) or ""))
    elif tag == "source":
        parent = node.parent
        if parent is not None and parent.tag == "picture":
            for name in ("srcset", "data-srcset"):
                yield from ((url, False) for url in _srcset_urls(attributes.get(name) or ""))
    elif tag == "meta":
        key = (attributes.get("property") or attributes.get("name") or "").strip().lower()
        if key in _META_KEYS and (content := attributes.get("content")):
            yield content, False
    elif tag == "link":
        rel = (attributes.get("rel") or "").lower().split()
        if "image_src" in rel and (href := attributes.get("href")):
            yield href, False
    elif href := attributes.get("href"):
        yield href, True


def _srcset_urls(srcset: str) -> Iterator[str]:
    """The URL of every candidate in a srcset, per the HTML standard's parsing rules."""
    position, end = 0, len(srcset)
    while position < end:
        while position < end and (srcset[position] in _WHITESPACE or srcset[position] == ","):
            position += 1
        start = position
        while position < end and srcset[position] not in _WHITESPACE:
            position += 1
        url = srcset[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            # Skip the descriptors ("2x", "640w") up to the next comma outside parentheses.
            depth = 0
            while position < end:
                char = srcset[position]
                if char == "(":
                    depth += 1
                elif char == ")" and depth:
                    depth -= 1
                elif char == "," and not depth:
                    break
                position += 1
        if url:
            yield url


def _absolute(base: str, raw: str) -> str | None:
    reference = raw.strip(_WHITESPACE)
    if not reference or reference.startswith("#"):  # these resolve to the page itself
        return None
    try:
        url, _fragment = urldefrag(urljoin(base, reference))
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url
