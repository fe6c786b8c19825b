"""Markdown to safe HTML, for read-only ``*_html`` attributes (``description_html``).

``render_markdown(text) -> str`` renders with markdown-it-py (CommonMark, plus
GFM tables and ``~~strikethrough~~``) and then sanitises with nh3 (ammonia).
``None`` and empty text give ``""``. ``clean_html(fragment) -> str`` is the
sanitising step on its own.

Raw HTML in the source is *not* passed through (markdown-it's ``html``
option is off): ``<b>`` in a description shows as the text ``<b>``. A
description is plain prose with Markdown formatting, and escaping raw HTML
means every tag in the output was made by the renderer itself, so the
sanitiser only has to police attribute values (mostly URLs), never
hand-written markup whose meaning differs between parsers.

The sanitiser is a second, independent layer with an explicit allow-list:

- tags: ``ALLOWED_TAGS`` (what the renderer emits, nothing else);
- attributes: ``a[href, title]``, ``img[src, alt, title]``, ``ol[start]``,
  ``code[class]`` only as ``language-<name>``, and ``th/td[style]`` only as
  ``text-align:left|center|right``;
- URLs: schemes ``http``, ``https`` and ``mailto`` only (relative URLs are
  kept); any other scheme (``javascript:``, ``data:``, ``vbscript:``…) loses
  the attribute, also when hidden behind entities, percent-encoding,
  whitespace or control characters;
- every link gets ``rel="nofollow noopener"``;
- ``script`` and ``style`` are dropped together with their content; comments
  are dropped.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6",
    "p", "br", "hr", "blockquote", "pre",
    "strong", "em", "s", "del", "code",
    "ul", "ol", "li",
    "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
    "ol": frozenset({"start"}),
    "code": frozenset({"class"}),
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"

_ALIGN = {"text-align:left", "text-align:center", "text-align:right"}
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")

_renderer = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _allowed_url(value: str) -> bool:
    """Refuse URLs that name another scheme once decoded and squeezed.

    ``java%09script:`` is inert in browsers (a relative path), but whatever
    decodes it one step further would see ``javascript:``; such URLs have no
    honest use, so they go too.
    """
    squeezed = _INVISIBLE.sub("", unquote(html.unescape(value))).lower()
    match = _SCHEME.match(squeezed)
    return match is None or match.group(1) in URL_SCHEMES


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "code" and name == "class":
        return value if _LANGUAGE_CLASS.fullmatch(value) else None
    if name in ("href", "src"):
        return value if _allowed_url(value) else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    # "*": no attribute is allowed on every tag (ammonia's default allows lang, title)
    attributes={"*": set(), **{tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}},
    tag_attribute_values={"th": {"style": set(_ALIGN)}, "td": {"style": set(_ALIGN)}},
    attribute_filter=_filter_attribute,
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def render_markdown(text: str | None) -> str:
    """``text`` (Markdown) as sanitised HTML; ``""`` for ``None`` or blank text."""
    if not text or not text.strip():
        return ""
    return clean_html(_renderer.render(text))


def clean_html(fragment: str | None) -> str:
    """The sanitising layer alone: ``fragment`` cut down to the allow-list above."""
    if not fragment:
        return ""
    return _cleaner.clean(fragment)
