"""Markdown rendered with markdown-it-py, then sanitised with nh3."""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# Raw HTML in the source is escaped by the parser already ("js-default" preset); nh3 then
# drops anything not on this list, so scripts, event handlers, style and hx-* attributes,
# and javascript: URLs never reach the page even if the parser let them through.
_md = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")
# Short fields (goals, outcomes, resources) are typed as lines, one item each: each line
# break stays a break instead of joining the lines into one paragraph.
_md_lines = MarkdownIt(
    "js-default", {"linkify": False, "typographer": False, "breaks": True}
).enable("table")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str, *, breaks: bool = False) -> SafeString:
    """Sanitised HTML of ``text``; with ``breaks``, every line break in a paragraph is kept."""
    html = (_md_lines if breaks else _md).render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(clean)  # sanitised by nh3 just above
