"""Check every internal link of a built HTML site: each ``href`` and ``src`` that is not an
external address must name a file of the site, and each ``#fragment`` an ``id`` (or
``name``) on that page.  External links (http, https, mailto) are listed, not fetched: the
build machine has no network.

    python docs/check_links.py docs/_build/html

Exits 1 and names every broken link (page, link) when there is one.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXTERNAL = ("http", "https", "mailto", "ftp", "data", "javascript")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag != "meta" else ():
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None and not (tag == "link" and attrs.get("rel") in ("preconnect",)):
                self.links.append(attrs[key])


def _parse(path, cache):
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = page
    return cache[path]


def check(site):
    """(broken, counts): broken links as (page, link, why); counts of internal and external links."""
    site = Path(site).resolve()
    cache, broken, internal, external = {}, [], 0, set()
    for page_path in sorted(site.rglob("*.html")):
        for link in _parse(page_path, cache).links:
            parts = urlsplit(link)
            if parts.scheme in EXTERNAL or link.startswith("//"):
                external.add(link)
                continue
            internal += 1
            target = page_path if not parts.path else (page_path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = str(page_path.relative_to(site))
            if site not in target.parents and target != site:
                broken.append((where, link, "points outside the site"))
            elif not target.is_file():
                broken.append((where, link, "no such file"))
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _parse(
                    target, cache).ids:
                broken.append((where, link, f"no id {parts.fragment!r} in {target.relative_to(site)}"))
    return broken, {"pages": len(cache), "internal": internal, "external": len(external)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    site = argv[0] if argv else "docs/_build/html"
    broken, counts = check(site)
    for page, link, why in broken:
        print(f"{page}: broken link {link!r}: {why}")
    print(f"link check: {counts['internal']} internal links on {counts['pages']} pages, {len(broken)} broken; "
          f"{counts['external']} external addresses not fetched (no network)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
