"""Turning a fetched body into what a model should read: markdown for HTML, pretty JSON, plain text.

HTML goes through trafilatura (main-content extraction: drops navigation, footers, cookie banners; keeps
headings, lists, tables, links; works offline, actively maintained). Where it finds nothing, or cannot be
imported, markdownify converts the whole ``<body>`` instead, so the model always gets something. Binary
bodies are described, never dumped. Long content is cut with a visible marker and a ``note``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from hermes_tools_web.fetching import FetchedPage

TEXT_TYPES = ("application/javascript", "application/x-javascript", "application/ecmascript")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def kind_of(media_type: str, body: bytes) -> str:
    """``html`` | ``json`` | ``text`` | ``binary``: by declared type first, then by sniffing the body."""
    if media_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if media_type == "application/json" or media_type.endswith("+json"):
        return "json"
    if media_type.startswith("text/") or media_type in TEXT_TYPES:
        return "text"
    if media_type in ("application/xml",) or media_type.endswith("+xml"):
        return "text"
    head = body[:2048]
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut at the edge is fine
            return "binary"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<body" in lowered:
        return "html"
    if lowered[:1] in (b"{", b"["):
        return "json"
    return "text"


def decode(body: bytes, charset: str | None, kind: str) -> str:
    """Bytes to text: the header's charset, else an HTML ``<meta charset>``, else UTF-8, else cp1252."""
    candidates = [charset] if charset else []
    if kind == "html":
        match = _META_CHARSET.search(body[:4096])
        if match:
            candidates.append(match.group(1).decode("ascii", "replace"))
    for encoding in candidates:
        try:
            return body.decode(encoding, errors="replace")
        except LookupError:
            continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def html_title(html: str) -> str | None:
    match = _TITLE.search(html)
    if not match:
        return None
    import html as html_lib

    title = " ".join(html_lib.unescape(match.group(1)).split())
    return title or None


def html_links(html: str, base_url: str, limit: int) -> tuple[list[dict[str, str]], int]:
    """Absolute http(s) links of the page, each once, with their text; and how many there were."""
    try:
        import lxml.html

        tree = lxml.html.document_fromstring(
            html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except Exception:  # an empty or hopeless document: no links rather than no page
        return [], 0
    seen: dict[str, str] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urljoin(base_url, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        url = url.split("#", 1)[0]
        if url not in seen:
            seen[url] = " ".join(anchor.text_content().split())[:200]
    links = [{"text": text, "url": url} for url, text in seen.items()]
    return links[:limit], len(links)


def html_to_markdown(html: str, url: str) -> tuple[str | None, str, str]:
    """``(title, markdown, extractor)`` for an HTML document."""
    title = html_title(html)
    try:
        import trafilatura
    except Exception:  # missing, or broken (lxml.html.clean split out): fall back, don't fail
        trafilatura = None
    if trafilatura is not None:
        markdown = trafilatura.extract(
            html,
            url=url,
            output_format="markdown",
            include_links=True,
            include_formatting=True,
            include_tables=True,
            include_images=False,
            include_comments=False,
            favor_recall=True,
        )
        if not title:
            metadata = trafilatura.extract_metadata(html)
            title = metadata.title if metadata is not None else None
        if markdown and markdown.strip():
            return title, markdown.strip(), "trafilatura"
    return title, _markdownify(html), "markdownify"


def _markdownify(html: str) -> str:
    """Whole-body conversion, used when main-content extraction finds nothing."""
    from markdownify import markdownify

    body = re.sub(r"(?is)<(script|style|noscript|template|svg)\b.*?</\1\s*>", "", html)
    match = re.search(r"(?is)<body[^>]*>(.*)</body\s*>", body)
    markdown = markdownify(match.group(1) if match else body, heading_style="ATX", strip=["img"])
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


def cut(text: str, max_chars: int) -> tuple[str, str | None]:
    """``text`` cut to about ``max_chars`` at a paragraph or word boundary, with a visible marker."""
    if len(text) <= max_chars:
        return text, None
    window = text[:max_chars]
    boundary = window.rfind("\n\n")
    if boundary < max_chars * 0.8:
        boundary = window.rfind(" ")
    if boundary < max_chars * 0.8:
        boundary = max_chars
    note = f"content cut at {boundary} of {len(text)} characters"
    return window[:boundary].rstrip() + f"\n\n[... {note} ...]", note


def extract_page(page: FetchedPage, max_chars: int = 30_000, max_links: int = 50) -> dict[str, Any]:
    """The ``web_extract`` result for one fetched page."""
    result: dict[str, Any] = {"url": page.url}
    if page.final_url != page.url:
        result["final_url"] = page.final_url
    result["status"] = page.status
    result["content_type"] = page.media_type or None
    if not 200 <= page.status < 300:
        result["error"] = f"HTTP {page.status} {page.reason}".strip()
        return result
    kind = "binary" if page.body_skipped else kind_of(page.media_type, page.body)
    notes: list[str] = []
    if page.cut_at_bytes is not None:
        notes.append(f"stopped reading after {page.cut_at_bytes} bytes; the rest of the page was not fetched")
    if kind == "binary":
        size = page.declared_length if page.body_skipped else len(page.body)
        shown = f"{size} bytes" if size is not None else "unknown size"
        result["content"] = None
        result["note"] = f"binary content ({page.media_type or 'unknown type'}, {shown}) not shown"
        return result
    text = decode(page.body, page.charset, kind)
    title: str | None = None
    links: list[dict[str, str]] | None = None
    if kind == "html":
        title, content, extractor = html_to_markdown(text, page.final_url)
        links, total = html_links(text, page.final_url, max_links)
        if total > len(links):
            notes.append(f"showing {len(links)} of {total} links")
        if extractor != "trafilatura":
            notes.append("no main content detected; converted the whole page")
    elif kind == "json":
        try:
            content = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            content = text
            if page.cut_at_bytes is None:
                notes.append("declared as JSON but did not parse; shown as text")
    else:
        content = text
    if not content.strip():
        notes.append("no readable text found")
    content, cut_note = cut(content, max_chars)
    if cut_note:
        notes.append(cut_note)
    result["title"] = title
    result["content"] = content
    if links is not None:
        result["links"] = links
    result["truncated"] = page.cut_at_bytes is not None or cut_note is not None
    if notes:
        result["note"] = "; ".join(notes)
    return result
