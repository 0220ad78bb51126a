from html.parser import HTMLParser

import pytest

from core.markdown import render_markdown

# Payloads from the usual XSS cheat sheets, in Markdown and in raw HTML.
XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<svg onload="alert(1)">',
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="color:red">styled</p>',
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    '<button hx-post="/accounts/logout/">x</button>',
    '<a href="/x" hx-delete="/proposals/1/">x</a>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>body{display:none}</style>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '[a](https://ok.example "title" onclick="alert(1)")',
    "<a href='https://ok.example' onmouseover='alert(1)'>hover</a>",
]

SAFE_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul", "abbr",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src"}


class ElementCollector(HTMLParser):
    """The elements and attributes a browser would build from the HTML (text is inert)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name.startswith(("hx-", "data-hx-")):
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES:
                scheme = (
                    (value or "").strip().split(":", 1)[0].lower() if ":" in (value or "") else ""
                )
                if scheme and scheme not in {"http", "https", "mailto"}:
                    self.problems.append(f"{tag}[{name}={value}]")

    def handle_comment(self, data):
        self.problems.append("<!-- comment -->")


def active_content(html: str) -> list[str]:
    collector = ElementCollector()
    collector.feed(html)
    collector.close()
    return collector.problems


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_markdown_payload_leaves_no_active_content(payload):
    html = str(render_markdown(payload))

    assert active_content(html) == []


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        '<p onclick="x">a</p>',
        '<a href="javascript:x">a</a>',
        '<p style="x">a</p>',
        '<p hx-get="/">a</p>',
    ],
)
def test_active_content_checker_catches_what_it_looks_for(html):
    assert active_content(html) != []


def test_markdown_keeps_ordinary_formatting():
    html = str(
        render_markdown("## Plan\n\n**Bold** and [docs](https://docs.example/x).\n\n- a\n- b")
    )

    assert html == (
        "<h2>Plan</h2>\n"
        '<p><strong>Bold</strong> and <a href="https://docs.example/x" '
        'rel="nofollow noopener noreferrer">docs</a>.</p>\n'
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
    )


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_markdown_with_breaks_leaves_no_active_content(payload):
    html = str(render_markdown(payload + "\nsecond line", breaks=True))

    assert active_content(html) == []


def test_markdown_with_breaks_keeps_each_typed_line():
    html = str(render_markdown("Pool the data\nTrain *the* model\n\n- a\n- b", breaks=True))

    assert html == (
        "<p>Pool the data<br>\nTrain <em>the</em> model</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
    )
