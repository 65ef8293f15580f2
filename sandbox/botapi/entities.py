"""Text formatting as Telegram does it: HTML, MarkdownV2 and legacy Markdown parsed into plain
text and entities with UTF-16 offsets, strictly (what Telegram refuses, this refuses too), and
the entities Telegram finds in what a person types (``detect_entities``).
"""

from __future__ import annotations

import html
import re
from typing import Any

from sandbox.botapi.limits import ApiError, bad


def u16len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class _Builder:
    """Accumulates the plain text and entities while a markup parser runs."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.u16 = 0
        self.entities: list[dict] = []

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.u16 += u16len(s)

    def entity(self, type_: str, start: int, **extra: Any) -> None:
        if self.u16 > start:
            self.entities.append({"type": type_, "offset": start, "length": self.u16 - start,
                                  **extra})

    def result(self) -> tuple[str, list[dict]]:
        return "".join(self.parts), sorted(self.entities,
                                           key=lambda e: (e["offset"], -e["length"]))


def _parse_error(msg: str) -> ApiError:
    return bad("can't parse entities: " + msg)


def _link_entity(url: str) -> tuple[str, dict]:
    m = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if m:
        return "text_mention", {"user": {"id": int(m.group(1)), "is_bot": False,
                                         "first_name": "User"}}
    return "text_link", {"url": url}


_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
              "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
              "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
              "code": "code", "pre": "pre", "blockquote": "blockquote",
              "tg-emoji": "custom_emoji"}
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z_:-]+(?:\s*=\s*(?:\"[^\"]*\"|"
                     r"'[^']*'|[^\s\"'<>]+))?)*)\s*>")
_ATTR_RE = re.compile(r"([A-Za-z_:-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'<>]+)))?")
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));")


def parse_html(src: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode, strictly: unknown tags, misnesting, bare < > & are errors."""
    b, stack, i = _Builder(), [], 0  # stack items: [tag, start, attrs]
    while i < len(src):
        c, at = src[i], len(src[:i].encode())
        if c == "<":
            m = _TAG_RE.match(src, i)
            if not m:
                raise _parse_error(f"Unexpected character '<' at byte offset {at}; use &lt;")
            name = m.group(2).lower()
            if m.group(1):  # end tag
                if not stack:
                    raise _parse_error(f'Unexpected end tag "{name}" at byte offset {at}')
                if stack[-1][0] != name:
                    raise _parse_error(f'Unmatched end tag at byte offset {at}, expected '
                                       f'"</{stack[-1][0]}>", found "</{name}>"')
                _close_html(b, stack)
            else:
                if name not in _HTML_TAGS:
                    raise _parse_error(f'Unsupported start tag "{name}" at byte offset {at}')
                attrs = {k.lower(): html.unescape(v1 or v2 or v3)
                         for k, v1, v2, v3 in _ATTR_RE.findall(m.group(3))}
                _open_html(name, attrs, stack, at)
                stack.append([name, b.u16, attrs])
            i = m.end()
        elif c == "&":
            m = _ENTITY_RE.match(src, i)
            if not m:
                raise _parse_error(f"Unsupported HTML entity at byte offset {at}; use &amp;")
            if m.group(3):
                b.add(html.unescape(m.group(0)))
            else:
                code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
                if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise _parse_error(f"Invalid character reference at byte offset {at}")
                b.add(chr(code))
            i = m.end()
        elif c == ">":
            raise _parse_error(f"Unexpected character '>' at byte offset {at}; use &gt;")
        else:
            b.add(c)
            i += 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return b.result()


def _open_html(name: str, attrs: dict, stack: list, at: int) -> None:
    parents = [s[0] for s in stack]
    if (parents and parents[-1] == "code") or ("pre" in parents and name != "code"):
        raise _parse_error(f'Entities can\'t be nested in code or pre ("{name}" at byte offset '
                           f"{at})")
    if name == "blockquote" and "blockquote" in parents:
        raise _parse_error("Blockquote entities can't be nested")
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _parse_error('Tag "span" must have class "tg-spoiler"')
    if name == "a" and not attrs.get("href"):
        raise _parse_error(f'Tag "a" must have attribute "href" (byte offset {at})')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise _parse_error('Tag "tg-emoji" must have attribute "emoji-id"')


def _close_html(b: _Builder, stack: list) -> None:
    name, start, attrs = stack.pop()
    etype, extra = _HTML_TAGS[name], {}
    if name == "a":
        etype, extra = _link_entity(attrs["href"])
    elif name == "code" and stack and stack[-1][0] == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1][2]["language"] = lang[len("language-"):]
        return
    elif name == "pre" and attrs.get("language"):
        extra = {"language": attrs["language"]}
    elif name == "blockquote" and "expandable" in attrs:
        etype = "expandable_blockquote"
    elif name == "tg-emoji":
        extra = {"custom_emoji_id": attrs["emoji-id"]}
    b.entity(etype, start, **extra)


_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_KINDS = {"*": ("bold", "Bold"), "_": ("italic", "Italic"), "__": ("underline", "Underline"),
              "~": ("strikethrough", "Strikethrough"), "||": ("spoiler", "Spoiler"),
              "[": ("text_link", "TextUrl")}


def _md_scan(src: str, i: int, closer: str, escapable: str) -> tuple[str, int]:
    """Read up to an unescaped ``closer``; returns (content, index after closer) or (_, -1)."""
    out = []
    while i < len(src):
        if src[i] == "\\" and i + 1 < len(src) and src[i + 1] in escapable:
            out.append(src[i + 1])
            i += 2
        elif src.startswith(closer, i):
            return "".join(out), i + len(closer)
        else:
            out.append(src[i])
            i += 1
    return "".join(out), -1


def parse_markdown_v2(src: str) -> tuple[str, list[dict]]:
    """An approximate MarkdownV2 parser that refuses every unescaped reserved character."""
    b, stack, i, quote = _Builder(), [], 0, None
    while i < len(src):
        c, at = src[i], len(src[:i].encode())
        if c == "\\":
            if i + 1 < len(src) and 0 < ord(src[i + 1]) < 127:
                b.add(src[i + 1])
                i += 2
                continue
            raise _parse_error(f"Character '\\' at byte offset {at} must be escaped")
        if c == "`":
            fence = "```" if src.startswith("```", i) else "`"
            start_i, lang = i + len(fence), None
            if fence == "```":
                nl = src.find("\n", start_i)
                if nl > start_i and re.fullmatch(r"[\w+-]+", src[start_i:nl]):
                    lang, start_i = src[start_i:nl], nl + 1
            body, end = _md_scan(src, start_i, fence, "`\\")
            if end < 0:
                kind = "Pre" if fence == "```" else "Code"
                raise _parse_error(f"Can't find end of {kind} entity at byte offset {at}")
            start = b.u16
            b.add(body)
            b.entity("pre" if fence == "```" else "code", start,
                     **({"language": lang} if lang else {}))
            i = end
        elif c in "*_~|":
            mark = "__" if src.startswith("__", i) else "||" if src.startswith("||", i) else c
            if mark == "|":
                raise _parse_error("Character '|' is reserved and must be escaped with the "
                                   "preceding '\\'")
            if any(s[0] == mark for s in stack):
                if stack[-1][0] != mark:
                    raise _parse_error(f"Can't find end of {_MD2_KINDS[stack[-1][0]][1]} "
                                       f"entity at byte offset {stack[-1][2]}")
                _, start, _ = stack.pop()
                b.entity(_MD2_KINDS[mark][0], start)
            else:
                stack.append((mark, b.u16, at))
            i += len(mark)
        elif c == "[":
            stack.append(("[", b.u16, at))
            i += 1
        elif c == "]" and stack and stack[-1][0] == "[" and src.startswith("(", i + 1):
            url, end = _md_scan(src, i + 2, ")", ")\\")
            if end < 0 or not url:
                raise _parse_error(f"Can't find end of a URL at byte offset {at}")
            _, start, _ = stack.pop()
            etype, extra = _link_entity(url)
            b.entity(etype, start, **extra)
            i = end
        elif c == ">" and (i == 0 or src[i - 1] == "\n"):
            quote = b.u16 if quote is None else quote
            i += 1
        elif c in _MD2_RESERVED:
            raise _parse_error(f"Character '{c}' is reserved and must be escaped with the "
                               "preceding '\\'")
        else:
            if c == "\n" and quote is not None and not src.startswith(">", i + 1):
                b.entity("blockquote", quote)
                quote = None
            b.add(c)
            i += 1
    if stack:
        raise _parse_error(f"Can't find end of {_MD2_KINDS[stack[-1][0]][1]} entity at byte "
                           f"offset {stack[-1][2]}")
    if quote is not None:
        b.entity("blockquote", quote)
    return b.result()


def parse_markdown(src: str) -> tuple[str, list[dict]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    b, i = _Builder(), 0
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < len(src):
        c, at = src[i], len(src[:i].encode())
        if c == "\\" and i + 1 < len(src) and src[i + 1] in "_*`[":
            b.add(src[i + 1])
            i += 2
        elif c in "*_`[":
            fence = "```" if src.startswith("```", i) else c
            closer = "]" if c == "[" else fence
            j = src.find(closer, i + len(fence))
            if j < 0 or (c == "[" and not src.startswith("(", j + 1)):
                raise _parse_error(f"Can't find end of the entity starting at byte offset {at}")
            start = b.u16
            b.add(src[i + len(fence):j])
            if c == "[":
                k = src.find(")", j + 2)
                if k < 0:
                    raise _parse_error(f"Can't find end of the entity starting at byte offset "
                                       f"{at}")
                etype, extra = _link_entity(src[j + 2:k])
                b.entity(etype, start, **extra)
                i = k + 1
            else:
                b.entity("pre" if fence == "```" else kinds[c], start)
                i = j + len(fence)
        else:
            b.add(c)
            i += 1
    return b.result()


_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
_AUTO_ENTITY_RES = (
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?!\w)")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")),
    ("url", re.compile(r"https?://[^\s<>\"]+")),
)


def detect_entities(text: str) -> list[dict]:
    """Entities Telegram adds to what a user types: commands, @mentions, URLs."""
    found = [{"type": t, "offset": u16len(text[:m.start()]), "length": u16len(m.group(0))}
             for t, rx in _AUTO_ENTITY_RES for m in rx.finditer(text)]
    return sorted(found, key=lambda e: e["offset"])
