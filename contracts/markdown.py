"""The one escaping rule for every Markdown the product writes: the campaign report
(services/campaigns/report.py) and the robots' messages (notifications/render.py). Text someone
typed stays text in any viewer: no heading, list, quote, link, image, mention, table cell or raw
HTML of its own; the only links are the product's own, and only http(s)."""

import re

from contracts.links import is_web_url

# What Markdown (CommonMark, GFM tables, DingTalk markdown, Feishu lark_md) would read as markup
# anywhere: emphasis, code, links and images ([...]), HTML and the platforms' mention tags
# (<at ...>, <@...>), DingTalk's @mobile, table cells; and, at the start of a line, headings,
# quotes, lists and rules. Written as numeric character references, which every viewer shows as
# the character itself.
_ANYWHERE = re.compile(r"[\\`*_~\[\]<>|&@]")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+\.)", re.MULTILINE)
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def _reference(text: str) -> str:
    return "".join(f"&#{ord(c)};" for c in text)


def markdown_text(text: str, *, inline: bool = False) -> str:
    """Plain text, inert inside Markdown. `inline`: on one line, for text that sits in a list item,
    a heading or a table cell (a line break there would end it and start markup of its own)."""
    if inline:
        text = _LINE_BREAKS.sub(" ", text.strip())
    text = _ANYWHERE.sub(lambda m: _reference(m.group()), text)
    return _LINE_START.sub(lambda m: m.group(1) + _reference(m.group(2)), text)


def markdown_link(label: str, url: str) -> str:
    """A link to an http(s) URL, the label escaped; anything else shows its label only. Characters
    that would end the link's destination are percent-encoded."""
    if not is_web_url(url):
        return markdown_text(label)
    destination = re.sub(r"[\s()<>]", lambda m: "%" + "%".join(f"{b:02X}" for b in m.group().encode()), url)
    return f"[{markdown_text(label)}]({destination})"
