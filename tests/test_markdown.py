"""render_markdown: ordinary Markdown renders; nothing executable survives."""

import re

import pytest

from app.services.markdown import clean_html, render_markdown

REL = 'rel="nofollow noopener"'


def _hrefs(out):
    """URLs in href/src attributes of real tags (escaped text like &lt;a href= is not a tag)."""
    urls = []
    for attrs in re.findall(r"<[a-z0-9]+(\s[^>]*)?>", out):
        urls += re.findall(r'\s(?:href|src)="([^"]*)"', attrs)
    return urls


def _assert_inert(out):
    """No script-capable tag, no event handler, no URL with a foreign scheme."""
    low = out.lower()
    for tag in ("<script", "<iframe", "<object", "<embed", "<style", "<svg", "<math",
                "<form", "<input", "<link", "<meta", "<base", "<div", "<span"):
        assert tag not in low, (tag, out)
    # every attribute in the output is one the allow-list names
    for tag, attrs in re.findall(r"<([a-z0-9]+)((?:\s+[^>]*)?)>", low):
        names = re.findall(r'([a-z-]+)="', attrs)
        assert set(names) <= {"href", "title", "src", "alt", "start", "class", "style", "rel"}, out
        assert not any(n.startswith("on") for n in names), out
    for url in _hrefs(low):
        squeezed = re.sub(r"[\x00-\x20]|%0[0-9a-f]|%20|&#x?0*[0-9a-f]+;?", "", url)
        assert not re.match(r"\s*(javascript|vbscript|data|file):", squeezed), out
        assert "javascript" not in squeezed and "vbscript" not in squeezed, out


# ---- empty input ---------------------------------------------------------------

@pytest.mark.parametrize("text", [None, "", "   ", "\n\n\t"])
def test_empty(text):
    assert render_markdown(text) == ""


def test_clean_html_empty():
    assert clean_html(None) == ""
    assert clean_html("") == ""


# ---- ordinary Markdown -----------------------------------------------------------

def test_headings():
    assert render_markdown("# One\n\n## Two\n\n###### Six") == (
        "<h1>One</h1>\n<h2>Two</h2>\n<h6>Six</h6>\n"
    )
    assert render_markdown("Title\n=====") == "<h1>Title</h1>\n"


def test_emphasis_strong_strikethrough_code():
    assert render_markdown("*a* _b_ **c** __d__ ~~e~~ `f<g>`") == (
        "<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong> "
        "<s>e</s> <code>f&lt;g&gt;</code></p>\n"
    )


def test_paragraphs_and_line_breaks():
    assert render_markdown("one  \ntwo\n\nthree") == "<p>one<br>\ntwo</p>\n<p>three</p>\n"


def test_lists():
    assert render_markdown("- a\n- b\n  - c") == (
        "<ul>\n<li>a</li>\n<li>b\n<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n"
    )
    assert render_markdown("1. a\n2. b") == "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"
    assert render_markdown("4. a\n5. b") == '<ol start="4">\n<li>a</li>\n<li>b</li>\n</ol>\n'


def test_blockquote_and_rule():
    assert render_markdown("> quoted\n\n---") == (
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr>\n"
    )


def test_links():
    out = render_markdown('[Koordinates](https://koordinates.com/ "Home") and [rel](/api/sets/1/)')
    assert out == (
        f'<p><a href="https://koordinates.com/" title="Home" {REL}>Koordinates</a> and '
        f'<a href="/api/sets/1/" {REL}>rel</a></p>\n'
    )


def test_autolinks_and_mailto():
    out = render_markdown("<https://example.org/a?b=1&c=2> [mail](mailto:a@example.org)")
    assert out == (
        f'<p><a href="https://example.org/a?b=1&amp;c=2" {REL}>https://example.org/a?b=1&amp;c=2</a> '
        f'<a href="mailto:a@example.org" {REL}>mail</a></p>\n'
    )


def test_reference_links():
    out = render_markdown("[x][r]\n\n[r]: http://example.org/r")
    assert out == f'<p><a href="http://example.org/r" {REL}>x</a></p>\n'


def test_link_rel_is_forced():
    out = clean_html('<a href="https://e.org" rel="opener" target="_blank">x</a>')
    assert out == f'<a href="https://e.org" {REL}>x</a>'


def test_images():
    out = render_markdown('![A map](https://example.org/map.png "Map")')
    assert out == '<p><img src="https://example.org/map.png" alt="A map" title="Map"></p>\n'


def test_code_blocks():
    assert render_markdown("```python\nif a < b:\n    pass\n```") == (
        '<pre><code class="language-python">if a &lt; b:\n    pass\n</code></pre>\n'
    )
    assert render_markdown("    indented <code>\n") == (
        "<pre><code>indented &lt;code&gt;\n</code></pre>\n"
    )


def test_tables():
    out = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")
    assert out == (
        "<table>\n<thead>\n<tr>\n"
        '<th style="text-align:left">a</th>\n'
        '<th style="text-align:center">b</th>\n'
        '<th style="text-align:right">c</th>\n'
        "</tr>\n</thead>\n<tbody>\n<tr>\n"
        '<td style="text-align:left">1</td>\n'
        '<td style="text-align:center">2</td>\n'
        '<td style="text-align:right">3</td>\n'
        "</tr>\n</tbody>\n</table>\n"
    )
    plain = render_markdown("| a |\n|---|\n| 1 |")
    assert plain == "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n</tr>\n</tbody>\n</table>\n"


def test_text_is_escaped():
    assert render_markdown('Tom & "Jerry" <3') == "<p>Tom &amp; \"Jerry\" &lt;3</p>\n"


def test_unicode():
    assert render_markdown("Ōtautahi — *Aotearoa*") == "<p>Ōtautahi — <em>Aotearoa</em></p>\n"


# ---- raw HTML in Markdown is escaped, never live -----------------------------------

@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<object data=x></object>",
    "<embed src=x>",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    "<div><p>nested<div>unclosed",
    "<b><i>unclosed",
    "<!-- <script>alert(1)</script> -->",
    "<details open ontoggle=alert(1)>",
    "text <span onmouseover=alert(1)>inline</span> text",
])
def test_raw_html_is_shown_as_text(source):
    out = render_markdown(source)
    _assert_inert(out)
    assert "&lt;" in out
    # the only real tag is the paragraph around the escaped text
    assert set(re.findall(r"</?([a-z0-9]+)", out)) == {"p"}, out


# ---- dangerous URLs in Markdown links and images -------------------------------------

@pytest.mark.parametrize("source", [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#58;alert(1))",
    "[x](&#0000106&#0000097vascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](<java\tscript:alert(1)>)",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#10;script:alert(1))",
    "[x](<javascript\n:alert(1)>)",
    "[x]( javascript:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](javascript://%0aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![i](javascript:alert(1))",
    "![i](data:image/png;base64,iVBORw0KGgo=)",
    "![i](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![i](JaVaScRiPt:alert(1))",
    "[![i](javascript:alert(1))](javascript:alert(2))",
])
def test_dangerous_urls_do_not_survive(source):
    out = render_markdown(source)
    _assert_inert(out)
    assert not any(u.strip().lower().startswith(("javascript", "vbscript", "data", "file"))
                   for u in _hrefs(out.lower()))


def test_data_image_loses_its_src_but_keeps_alt():
    assert render_markdown("![pic](data:image/png;base64,iVBORw0KGgo=)") == '<p><img alt="pic"></p>\n'


def test_javascript_link_is_not_a_link():
    out = render_markdown("[x](javascript:alert(1))")
    assert "<a" not in out


# ---- attribute breaking --------------------------------------------------------------

def test_quote_in_link_url_is_encoded():
    out = render_markdown('[x](https://e.org/"onmouseover="alert(1))')
    _assert_inert(out)
    assert out == f'<p><a href="https://e.org/%22onmouseover=%22alert(1)" {REL}>x</a></p>\n'


def test_quote_in_image_alt_is_escaped():
    out = render_markdown('![a" onerror="alert(1)](https://e.org/p.png)')
    _assert_inert(out)
    assert out == '<p><img src="https://e.org/p.png" alt="a&quot; onerror=&quot;alert(1)"></p>\n'


def test_quote_in_link_title_is_escaped():
    out = render_markdown("[x](https://e.org 'a\" onclick=\"alert(1)')")
    _assert_inert(out)
    assert 'title="a&quot; onclick=&quot;alert(1)"' in out


def test_autolink_with_quote_and_tag():
    out = render_markdown('<https://e.org/"><script>alert(1)</script>')
    _assert_inert(out)


def test_code_fence_info_string_cannot_inject():
    out = render_markdown('```"><script>alert(1)</script>\nx\n```')
    _assert_inert(out)
    assert out == "<pre><code>x\n</code></pre>\n"
    out = render_markdown("```js onclick=alert(1)\nx\n```")
    assert out == '<pre><code class="language-js">x\n</code></pre>\n'


# ---- the sanitising layer on its own (defence in depth) ------------------------------

@pytest.mark.parametrize("fragment,expected", [
    ("<script>alert(1)</script>safe", "safe"),
    ("<style>p{color:red}</style>safe", "safe"),
    ('<img src="x" onerror="alert(1)">', '<img src="x">'),
    ('<p onclick="alert(1)" title="t" id="i" class="c" style="color:red">t</p>', "<p>t</p>"),
    ('<a href="javascript:alert(1)" onclick="x()">a</a>', f"<a {REL}>a</a>"),
    ('<a href="JaVaScRiPt:alert(1)">a</a>', f"<a {REL}>a</a>"),
    ('<a href="&#106;avascript:alert(1)">a</a>', f"<a {REL}>a</a>"),
    ('<a href="&#x6a;&#x61;&#x76;&#x61;script&#x3a;alert(1)">a</a>', f"<a {REL}>a</a>"),
    ('<a href=" java\tscript:alert(1)">a</a>', f"<a {REL}>a</a>"),
    ('<a href="jav&#x0A;ascript:alert(1)">a</a>', f"<a {REL}>a</a>"),
    ('<a href="java%09script:alert(1)">a</a>', f"<a {REL}>a</a>"),
    ('<a href="vbscript:msgbox(1)">a</a>', f"<a {REL}>a</a>"),
    ('<a href="data:text/html,<script>alert(1)</script>">a</a>', f"<a {REL}>a</a>"),
    ('<img src="data:image/svg+xml,<svg onload=alert(1)>">', "<img>"),
    ("<svg onload=alert(1)><circle></circle></svg>", ""),
    ('<iframe src="https://evil.example"></iframe>b', "b"),
    ('<object data="x"></object><embed src="x">', ""),
    ('<form action="x"><input name="a"><button>b</button></form>', "b"),
    ('<math><mtext><script>alert(1)</script></mtext></math>', ""),
    ("<b><i>unclosed", "unclosed"),
    ("<div><p>nest<div>ed", "<p>nest</p>ed"),
    ("<!-- hidden --><p>x</p>", "<p>x</p>"),
    ('<img """><script>alert(1)</script>">', '<img>"&gt;'),
    ('<p title="a" lang="en">t</p>', "<p>t</p>"),
    ('<code class="language-py">x</code>', '<code class="language-py">x</code>'),
    ('<code class="evil">x</code>', "<code>x</code>"),
    ("<table><tr><td style=\"text-align:right\">1</td></tr></table>",
     '<table><tbody><tr><td style="text-align:right">1</td></tr></tbody></table>'),
    ("<table><tr><td style=\"background:url(javascript:alert(1))\">1</td></tr></table>",
     "<table><tbody><tr><td>1</td></tr></tbody></table>"),
    ('<a href="https://e.org" target="_blank" rel="opener">x</a>', f'<a href="https://e.org" {REL}>x</a>'),
])
def test_clean_html(fragment, expected):
    out = clean_html(fragment)
    assert out == expected
    _assert_inert(out)
