"""HTML mail bodies to text, with the quoted history cut out by its client markers first.

Mail clients wrap the quoted history in known containers (Gmail `.gmail_quote`, Outlook
`#divRplyFwdMsg`, Apple `blockquote[type=cite]`, ...). Cutting those before converting is
language independent, so it is the first line of defence; the text rules in `reply_text` run
afterwards on what is left. The converter is a small block-aware walker over the stdlib parser
because header lines like `<b>From:</b> Anna` must stay one line for the text rules to see them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_HTML_CHARS = 2_000_000
MAX_NODES = 50_000
MAX_DEPTH = 200

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "basefont",
        "frame",
        "keygen",
    ]
)
_SKIP = frozenset(["head", "style", "script", "title", "template", "noscript", "xml", "svg", "object"])
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "body",
        "html",
        "caption",
    ]
)
_CELL = frozenset(("td", "th"))
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@dataclass(eq=False)
class _Node:
    tag: str
    attrs: dict[str, str]
    parent: _Node | None = None
    children: list[_Node | str] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _TreeBuilder(HTMLParser):
    """A forgiving tree builder: unknown end tags are ignored, unclosed tags close with their parent."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.current = self.root
        self.depth = 0
        self.nodes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.nodes >= MAX_NODES:
            return
        self.nodes += 1
        # `<p>` cannot nest: a new one closes the open one (as browsers do).
        if tag == "p" and self.current.tag == "p" and self.current.parent is not None:
            self.current = self.current.parent
            self.depth -= 1
        node = _Node(tag, {k.lower(): (v or "") for k, v in attrs[:30]}, parent=self.current)
        self.current.children.append(node)
        if tag not in _VOID and self.depth < MAX_DEPTH:
            self.current = node
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.nodes >= MAX_NODES:
            return
        self.nodes += 1
        self.current.children.append(_Node(tag, {k.lower(): (v or "") for k, v in attrs[:30]}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: _Node | None = self.current
        steps = 0
        while node is not None and node.tag != tag and steps < 50:
            node = node.parent
            steps += 1
        if node is None or node.tag != tag or node.parent is None:
            return
        self.current = node.parent
        self.depth = max(0, self.depth - steps - 1)

    def handle_data(self, data: str) -> None:
        if self.nodes < MAX_NODES:
            self.nodes += 1
            self.current.children.append(data)


@dataclass(frozen=True, slots=True)
class HtmlParts:
    """Text of an HTML body: what is left after the quote/signature containers were cut, and those."""

    text: str
    quoted_text: str
    signature: str


def _parse(html: str) -> _Node:
    builder = _TreeBuilder()
    try:
        builder.feed(html[:MAX_HTML_CHARS])
        builder.close()
    except (AssertionError, ValueError, IndexError):
        # html.parser can still trip on some broken markup; keep what was built so far.
        pass
    return builder.root


def _walk(node: _Node) -> list[_Node]:
    out: list[_Node] = []
    stack: list[_Node] = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(child for child in reversed(current.children) if isinstance(child, _Node))
    return out


_OUTLOOK_RULE_STYLE = re.compile(r"border-top\s*:\s*solid\s+#?(?:E1E1E1|B5C4DF)", re.I)


def _is_quote_start(node: _Node) -> bool:
    """A container that starts the quoted history; it and its later siblings are history."""
    ident = node.attrs.get("id", "")
    classes = node.classes()
    if ident in {"divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container"}:
        return True
    if classes & {"moz-cite-prefix", "moz-forward-container", "OutlookMessageHeader"}:
        return True
    # Outlook desktop: the From/Sent block sits in a div with a thin top border.
    return node.tag == "div" and bool(_OUTLOOK_RULE_STYLE.search(node.attrs.get("style", "")))


def _is_quote_container(node: _Node) -> bool:
    """A container that holds quoted history (only itself)."""
    classes = node.classes()
    if classes & {"gmail_quote", "yahoo_quoted", "zmail_extra", "protonmail_quote", "divRplyFwdMsg"}:
        return True
    if classes & {"gmail_quote_container"}:
        return True
    if node.tag == "blockquote" and node.attrs.get("type", "").lower() == "cite":
        return True
    return node.attrs.get("id", "") in {"OLK_SRC_BODY_SECTION", "ydpquoted", "yahoo_quoted"}


def _is_signature(node: _Node) -> bool:
    classes = node.classes()
    ident = node.attrs.get("id", "")
    return bool(classes & {"gmail_signature", "moz-signature", "protonmail_signature_block"}) or ident in {
        "Signature",
        "AppleMailSignature",
    }


def _detach(node: _Node) -> None:
    if node.parent is not None:
        node.parent.children = [c for c in node.parent.children if c is not node]
        node.parent = None


def _cut(root: _Node) -> tuple[list[_Node], list[_Node]]:
    """Remove quote and signature containers from the tree; return (quoted, signature) nodes."""
    quoted: list[_Node] = []
    signature: list[_Node] = []
    nodes = _walk(root)

    # Exchange: `messageReplySection` is the history only when a `messageBodySection` holds the
    # new text; otherwise it *is* the new text (a naive cut would lose the reply).
    names = {n.attrs.get("name", "") for n in nodes if n.tag == "div"}
    cut_exchange = "messageBodySection" in names

    for node in nodes:
        if node.parent is None and node is not root:
            continue  # already removed with an ancestor
        if _is_quote_start(node) or (cut_exchange and node.attrs.get("name", "") == "messageReplySection"):
            parent = node.parent
            if parent is None:
                continue
            index = next((k for k, c in enumerate(parent.children) if c is node), len(parent.children))
            # Outlook puts an `<hr>` (or a border div) right above #divRplyFwdMsg: take it along.
            while index > 0 and (
                (isinstance(parent.children[index - 1], _Node) and parent.children[index - 1].tag == "hr")  # type: ignore[union-attr]
                or (isinstance(parent.children[index - 1], str) and not parent.children[index - 1].strip())  # type: ignore[union-attr]
            ):
                index -= 1
            removed = parent.children[index:]
            parent.children = parent.children[:index]
            holder = _Node("div", {})
            for child in removed:
                holder.children.append(child)
                if isinstance(child, _Node):
                    child.parent = holder
            quoted.append(holder)
        elif _is_quote_container(node):
            _detach(node)
            quoted.append(node)
        elif _is_signature(node):
            _detach(node)
            signature.append(node)
    return quoted, signature


def _render(node: _Node) -> str:
    parts: list[str] = []

    def newline(blank: bool = False) -> None:
        if not parts:
            return
        if blank:
            parts.append("\n\n")
        elif not parts[-1].endswith("\n"):
            parts.append("\n")

    # Iterative walk: ("open", node) / ("close", node) / text events, so deep nesting is safe.
    stack: list[tuple[str, _Node | str, bool]] = [("node", node, False)]
    while stack:
        action, item, pre = stack.pop()
        if action == "text":
            assert isinstance(item, str)
            parts.append(item)
            continue
        if action == "close":
            assert isinstance(item, _Node)
            if item.tag in _BLOCK:
                newline(blank=item.tag == "p" and "MsoNormal" not in item.attrs.get("class", ""))
            elif item.tag in _CELL:
                parts.append("  ")
            continue
        if isinstance(item, str):
            if pre:
                parts.append(item)
            else:
                collapsed = _SPACES.sub(" ", item)
                if collapsed.strip() or (parts and not parts[-1].endswith((" ", "\n"))):
                    parts.append(collapsed)
            continue
        tag = item.tag
        if tag in _SKIP or (tag.startswith("o:") and not item.children):
            continue
        if tag == "br":
            parts.append("\n")
            continue
        if tag == "hr":
            newline()
            parts.append("________________________________\n")
            continue
        if tag == "img":
            continue
        if tag in _BLOCK:
            newline()
        if tag == "li":
            parts.append("- ")
        stack.append(("close", item, pre))
        inner_pre = pre or tag == "pre"
        for child in reversed(item.children):
            stack.append(("node", child, inner_pre))

    text = "".join(parts).replace("\u00a0", " ")
    lines = [line.strip() if not line.startswith("    ") else line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Convert an HTML body to plain text, keeping block structure as lines."""
    return _render(_parse(html))


class HtmlBody:
    """One parse of an HTML body: `text` is html_to_text(html), `split()` is split_html(html)."""

    def __init__(self, html: str) -> None:
        self._root = _parse(html)
        self.text = _render(self._root)
        self._parts: HtmlParts | None = None

    def split(self) -> HtmlParts:
        if self._parts is None:
            self._parts = _split(self._root)  # cuts the tree, hence once
        return self._parts


def split_html(html: str) -> HtmlParts:
    """Cut the client's quote and signature containers out of an HTML body, then convert each part."""
    return _split(_parse(html))


def _split(root: _Node) -> HtmlParts:
    quoted, signature = _cut(root)
    return HtmlParts(
        text=_render(root),
        quoted_text="\n\n".join(t for t in (_render(n) for n in quoted) if t),
        signature="\n\n".join(t for t in (_render(n) for n in signature) if t),
    )
