"""``parse_mode`` like Telegram: HTML and Markdown turn into plain text plus entities."""

from __future__ import annotations

from html.parser import HTMLParser

from sandbox.telegram.errors import bad_request
from sandbox.telegram.objects import MessageEntity

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = (
    ("||", "spoiler"),
    ("__", "underline"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
)
_MD_MARKERS = (("*", "bold"), ("_", "italic"))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Builder:
    """Collects plain text and entities with offsets in UTF-16 code units, as Telegram counts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[MessageEntity] = []

    def add_text(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def close(self, kind: str, start: int, url: str | None = None) -> None:
        if self.offset > start:
            entity = MessageEntity(type=kind, offset=start, length=self.offset - start, url=url)
            self.entities.append(entity)

    def result(self) -> tuple[str, list[MessageEntity]]:
        self.entities.sort(key=lambda e: (e.offset, -e.length))
        return "".join(self.parts), self.entities


class _HtmlParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Builder()
        self.open: list[tuple[str, int, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS or (tag == "span" and ("class", "tg-spoiler") not in attrs):
            raise _ParseError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        url = dict(attrs).get("href") if tag == "a" else None
        self.open.append((tag, self.out.offset, url))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            expected = f'"</{self.open[-1][0]}>"' if self.open else "no end tag"
            offset = self._byte_offset()
            msg = (
                f'Unmatched end tag at byte offset {offset}, expected {expected}, found "</{tag}>"'
            )
            raise _ParseError(msg)
        _, start, url = self.open.pop()
        self.out.close(_HTML_TAGS[tag], start, url)

    def handle_data(self, data: str) -> None:
        self.out.add_text(data)

    def _byte_offset(self) -> int:
        return self.getpos()[1]


class _ParseError(Exception):
    pass


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[MessageEntity] | None]:
    """The text a user sees and its entities, or 400 ``can't parse entities`` like Telegram."""
    if not parse_mode:
        return text, None
    mode = parse_mode.lower()
    try:
        if mode == "html":
            plain, entities = _parse_html(text)
        elif mode in {"markdown", "markdownv2"}:
            plain, entities = _parse_markdown(text, v2=mode == "markdownv2")
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    except _ParseError as error:
        raise bad_request(f"can't parse entities: {error}") from error
    return plain, entities or None


def _parse_html(text: str) -> tuple[str, list[MessageEntity]]:
    parser = _HtmlParser()
    parser.feed(text)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    return parser.out.result()


def _parse_markdown(text: str, *, v2: bool) -> tuple[str, list[MessageEntity]]:
    out = _Builder()
    markers = _MD2_MARKERS if v2 else _MD_MARKERS
    open_marks: dict[str, int] = {}
    i = 0
    while i < len(text):
        char = text[i]
        if v2 and char == "\\" and i + 1 < len(text):
            out.add_text(text[i + 1])
            i += 2
            continue
        if char == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise _ParseError(f"Can't find end of Code entity at byte offset {i}")
            start = out.offset
            out.add_text(text[i + 1 : end])
            out.close("code", start)
            i = end + 1
            continue
        if char == "[":
            close = text.find("](", i)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                raise _ParseError(f"Can't find end of a URL at byte offset {i}")
            start = out.offset
            out.add_text(text[i + 1 : close])
            out.close("text_link", start, text[close + 2 : end])
            i = end + 1
            continue
        marker = next((m for m in markers if text.startswith(m[0], i)), None)
        if marker is not None:
            token, kind = marker
            if token in open_marks:
                out.close(kind, open_marks.pop(token))
            else:
                open_marks[token] = out.offset
            i += len(token)
            continue
        if v2 and char in _MD2_RESERVED:
            msg = f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            raise _ParseError(msg)
        out.add_text(char)
        i += 1
    if open_marks:
        raise _ParseError(f"Can't find end of the entity starting at byte offset {len(text)}")
    return out.result()
