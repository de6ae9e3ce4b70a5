"""A tiny HTML parser for tests: ids, flags, links, scripts and external references."""

from __future__ import annotations

from html.parser import HTMLParser


class Probe(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.flags: list[dict[str, str]] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.external: list[str] = []
        self.text_parts: list[str] = []
        self.event_handlers: list[tuple[str, str]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.event_handlers += [(tag, k) for k in a if k.lower().startswith("on")]
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "li" and "flag" in (a.get("class") or ""):
            self.flags.append(a)
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        for key in ("src", "href", "xlink:href"):
            value = a.get(key) or ""
            if value.startswith(("http:", "https:", "//")):
                self.external.append(value)

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.text_parts)
