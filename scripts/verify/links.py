#!/usr/bin/env python3
"""Link check of a built static site, independent of the generator (stdlib only).

    python3 links.py SITE_DIR [--base-url URL] [--allow-root-relative]
                     [--report FILE.json] [--print-base-url] [--verbose]

Every href / src / srcset / poster / data / action / cite (and meta refresh,
og:url / og:image) in every .html file, every url() in .css files and in
<style> / style="", and the URLs in the site's XML files (sitemap <loc>,
xhtml:link, Atom links and the HTML inside Atom content) and robots.txt
`Sitemap:` lines must resolve to a file inside SITE_DIR:

* relative URLs resolve against the file (or its <base href>); a directory
  resolves to its index.html;
* absolute URLs under the base URL are mapped back to files;
* root-relative URLs ("/x") are mapped through the base URL's path, but are
  errors outside 404.html (they break hosting under a sub-path and file://),
  unless --allow-root-relative;
* a #fragment must name an element id (or <a name>) in the target page
  ("#" and "#top" are always fine);
* every <link rel="canonical"> must point at the page itself;
* sitemap <loc> URLs must be under the base URL.

External http(s) URLs are listed, never fetched. The base URL is --base-url,
else inferred from <link rel="canonical"> of index.html / <dir>/index.html.
Exit status: 0 when nothing is broken, 1 otherwise, 2 on usage errors.
"""
import argparse
import json
import os
import posixpath
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

URL_ATTRS = {"href", "xlink:href", "src", "poster", "action", "formaction", "cite", "longdesc"}
SRCSET_ATTRS = {"srcset", "imagesrcset"}
CSS_URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
CSS_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)


def parse_srcset(value):
    """URLs of a srcset attribute (HTML's candidate-string algorithm, simplified)."""
    urls, i, n = [], 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        if i >= n:
            break
        j = i
        while j < n and not value[j].isspace():
            j += 1
        url = value[i:j]
        if url.endswith(","):
            url = url.rstrip(",")
            i = j
        else:
            i = j
            while i < n and value[i] != ",":  # skip descriptors
                i += 1
        if url:
            urls.append(url)
    return urls


def css_urls(text):
    text = CSS_COMMENT_RE.sub("", text)
    out = []
    for m in CSS_URL_RE.finditer(text):
        u = next((g for g in m.groups() if g is not None), "")
        u = u.strip()
        if u:
            out.append(u)
    return out


class PageParser(HTMLParser):
    """Collects ids, links (with line numbers), <base href>, canonical."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []  # (line, kind, url)
        self.base = None
        self.canonical = None
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag == "style":
            self.in_style = True

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            line = self.getpos()[0]
            for u in css_urls(data):
                self.links.append((line, "style url()", u))

    def _tag(self, tag, attrs):
        line = self.getpos()[0]
        a = {}
        for k, v in attrs:
            a.setdefault(k, v if v is not None else "")
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag == "base" and "href" in a:
            self.base = a["href"].strip()
            return
        rel = a.get("rel", "").lower().split()
        if tag == "link" and ("preconnect" in rel or "dns-prefetch" in rel):
            return  # an origin, not a resource
        if tag == "link" and "canonical" in rel and "href" in a:
            self.canonical = (line, a["href"].strip())
        for k, v in a.items():
            if k in URL_ATTRS:
                if k == "action" and not v.strip():
                    continue
                self.links.append((line, f"{tag}@{k}", v.strip()))
            elif k in SRCSET_ATTRS:
                for u in parse_srcset(v):
                    self.links.append((line, f"{tag}@{k}", u))
            elif k == "data" and tag == "object":
                self.links.append((line, "object@data", v.strip()))
            elif k == "style":
                for u in css_urls(v):
                    self.links.append((line, f"{tag}@style url()", u))
        if tag == "meta":
            if a.get("http-equiv", "").lower() == "refresh":
                m = re.search(r"url\s*=\s*['\"]?([^'\"]+)", a.get("content", ""), re.I)
                if m:
                    self.links.append((line, "meta refresh", m.group(1).strip()))
            prop = (a.get("property") or a.get("name") or "").lower()
            if prop in ("og:url", "og:image", "og:image:url", "og:image:secure_url", "og:audio", "og:video", "twitter:image"):
                self.links.append((line, f"meta {prop}", a.get("content", "").strip()))


class Checker:
    def __init__(self, root, base_url, allow_root_relative, verbose):
        self.root = os.path.realpath(root)
        self.base_url = base_url
        self.base_path = urlsplit(base_url).path if base_url else "/"
        if not self.base_path.endswith("/"):
            self.base_path += "/"
        self.allow_root_relative = allow_root_relative
        self.verbose = verbose
        self.broken = []  # (file, line, kind, url, reason)
        self.warnings = []
        self.external = defaultdict(int)
        self.other = defaultdict(int)
        self.checked = 0
        self.fragments = 0
        self.absolute_internal = 0
        self.id_cache = {}
        self.linked = set()
        self.pages = {}
        self._xml_text = {}

    # ---- files ----
    def walk(self):
        files = []
        for d, dirs, names in os.walk(self.root):
            dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "node_modules")
            for n in sorted(names):
                files.append(os.path.relpath(os.path.join(d, n), self.root).replace(os.sep, "/"))
        return files

    def read(self, rel):
        with open(os.path.join(self.root, rel), "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    def parse_page(self, rel):
        if rel not in self.pages:
            p = PageParser()
            try:
                p.feed(self.read(rel))
                p.close()
            except Exception as e:  # noqa: BLE001 - report, don't crash
                self.broken.append((rel, 0, "parse", "", f"cannot parse: {e}"))
            self.pages[rel] = p
        return self.pages[rel]

    def ids_of(self, rel):
        if rel not in self.id_cache:
            if rel.endswith((".html", ".htm")):
                self.id_cache[rel] = self.parse_page(rel).ids
            elif rel.endswith(".svg"):
                self.id_cache[rel] = set(re.findall(r"""\bid\s*=\s*["']([^"']+)["']""", self.read(rel)))
            else:
                self.id_cache[rel] = None  # fragments of other types are not checked
        return self.id_cache[rel]

    # ---- resolution ----
    def to_site_path(self, url, src_rel, base_href=None, allow_root=False):
        """Returns (kind, site_path_or_None, fragment, reason).

        kind: 'internal', 'external', 'other', 'self' or 'broken'.
        """
        parts = urlsplit(url)
        frag = parts.fragment
        if parts.scheme:
            if parts.scheme.lower() not in ("http", "https"):
                return "other", None, frag, parts.scheme.lower()
            if self.base_url and (url.startswith(self.base_url) or url + "/" == self.base_url):
                self.absolute_internal += 1
                rest = urlsplit(url[len(self.base_url):] if url.startswith(self.base_url) else "").path
                return "internal", rest, frag, None
            return "external", None, frag, None
        if url.startswith("//"):
            return "external", None, frag, None
        path = parts.path
        if path.startswith("/"):
            if not self.base_path or not path.startswith(self.base_path) and path + "/" != self.base_path:
                return "broken", None, frag, f"root-relative URL outside the base path {self.base_path}"
            if not allow_root and not self.allow_root_relative:
                return "broken", None, frag, "root-relative URL (breaks hosting under a sub-path and file://; use a relative URL)"
            return "internal", path[len(self.base_path):], frag, None
        if base_href is not None:
            b = urlsplit(base_href)
            if b.scheme or base_href.startswith("//"):
                if self.base_url and base_href.startswith(self.base_url):
                    src_dir = posixpath.dirname(base_href[len(self.base_url):] + "x")
                else:
                    return "external", None, frag, None
            elif b.path.startswith("/"):
                src_dir = posixpath.dirname(b.path[len(self.base_path):] + "x")
            else:
                src_dir = posixpath.dirname(posixpath.join(posixpath.dirname(src_rel), b.path) + "x")
        else:
            src_dir = posixpath.dirname(src_rel)
        if path == "":
            if not parts.query:
                return "self", src_rel, frag, None
            path = posixpath.basename(src_rel)
        trailing = path.endswith("/")
        joined = posixpath.normpath(posixpath.join(src_dir, path))
        if joined == ".":
            joined = ""
        if joined.startswith("../") or joined == "..":
            return "broken", None, frag, "points outside the site folder"
        if trailing and joined:
            joined += "/"
        return "internal", joined, frag, None

    def resolve_file(self, site_path):
        """Maps a site path to an existing file: (rel_file or None, note)."""
        p = unquote(site_path)
        if "\x00" in p:
            return None, "NUL in path"
        full = os.path.realpath(os.path.join(self.root, p))
        if full != self.root and not full.startswith(self.root + os.sep):
            return None, "points outside the site folder"
        if os.path.isdir(full):
            idx = os.path.join(full, "index.html")
            if os.path.isfile(idx):
                note = None if (p == "" or p.endswith("/")) else "directory link without trailing slash"
                return os.path.relpath(idx, self.root).replace(os.sep, "/"), note
            return None, "directory without index.html"
        if os.path.isfile(full) and not p.endswith("/"):
            return os.path.relpath(full, self.root).replace(os.sep, "/"), None
        return None, "no such file"

    def check_link(self, src, line, kind, url, base_href=None, allow_root=False):
        if not url:
            return
        self.checked += 1
        k, sp, frag, reason = self.to_site_path(url, src, base_href, allow_root)
        if k == "external":
            self.external[url] += 1
            return
        if k == "other":
            self.other[reason] += 1
            return
        if k == "broken":
            self.broken.append((src, line, kind, url, reason))
            return
        if k == "self":
            target = src
        else:
            target, note = self.resolve_file(sp)
            if target is None:
                self.broken.append((src, line, kind, url, f"{note}: {sp or '/'}"))
                return
            if note:
                self.warnings.append((src, line, kind, url, note))
            if target != src:
                self.linked.add(target)
        if frag:
            ids = self.ids_of(target)
            if ids is None or frag.startswith(("xywh=", "t=", "svgView(", "page=")):
                return
            self.fragments += 1
            if frag not in ids and unquote(frag) not in ids and frag.lower() != "top":
                self.broken.append((src, line, kind, url, f"no element with id \"{unquote(frag)}\" in {target}"))

    # ---- per file type ----
    def check_html(self, rel):
        p = self.parse_page(rel)
        allow_root = posixpath.basename(rel) == "404.html"
        for line, kind, url in p.links:
            self.check_link(rel, line, kind, url, p.base, allow_root)
        if p.canonical and self.base_url:
            line, url = p.canonical
            k, sp, _frag, _r = self.to_site_path(url, rel, p.base)
            target = self.resolve_file(sp)[0] if k == "internal" else None
            if k == "external" or not url.startswith(self.base_url):
                self.broken.append((rel, line, "canonical", url, f"canonical URL is not under the base URL {self.base_url}"))
            elif target is not None and target != rel:
                self.broken.append((rel, line, "canonical", url, f"canonical URL points at {target}, not at this page"))

    def check_css(self, rel):
        text = self.read(rel)
        for u in css_urls(text):
            if u.startswith(("data:", "#")):
                continue
            line = text.count("\n", 0, text.find(u)) + 1
            self.check_link(rel, line, "css url()", u)

    def file_url(self, rel):
        return (self.base_url or "") + rel

    def xml_line(self, rel, url):
        text = self._xml_text.get(rel, "")
        i = text.find(url)
        return text.count("\n", 0, i) + 1 if i >= 0 else 0

    def check_xml(self, rel):
        self._xml_text[rel] = self.read(rel)
        try:
            tree = ET.parse(os.path.join(self.root, rel))
        except ET.ParseError as e:
            self.broken.append((rel, 0, "xml", "", f"not well-formed XML: {e}"))
            return
        is_sitemap = tree.getroot().tag.endswith(("}urlset", "}sitemapindex"))
        for el in tree.iter():
            local = el.tag.rsplit("}", 1)[-1]
            href = el.get("href")
            if href is not None:
                self.check_xml_url(rel, f"<{local} href>", href.strip(), False)
            if local in ("loc", "icon", "logo", "uri") and el.text and el.text.strip():
                self.check_xml_url(rel, f"<{local}>", el.text.strip(), is_sitemap and local == "loc")
            if local in ("content", "summary") and el.get("type") in ("html", "xhtml") and el.text:
                p = PageParser()
                p.feed(el.text)
                for _line, kind, url in p.links:
                    self.check_xml_url(rel, f"<{local}> {kind}", url, False, html_in_feed=True)

    def check_xml_url(self, rel, kind, url, must_be_internal, html_in_feed=False):
        line = self.xml_line(rel, url)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") or url.startswith("//"):
            if not self.base_url:
                if must_be_internal:
                    self.broken.append((rel, line, kind, url, "base URL unknown: pass --base-url"))
                else:
                    self.checked += 1
                    self.external[url] += 1
                return
            if must_be_internal and not url.startswith(self.base_url):
                self.checked += 1
                self.broken.append((rel, line, kind, url, f"sitemap URL not under the base URL {self.base_url}"))
                return
            self.check_link(rel, line, kind, url)
        elif parts.scheme:
            self.checked += 1
            self.other[parts.scheme] += 1
        else:
            # relative URL in XML: resolves against the file's own URL (no xml:base support)
            self.check_link(rel, line, kind + (" (relative in feed)" if html_in_feed else ""), url)

    def check_robots(self, rel):
        self._xml_text[rel] = self.read(rel)
        for line in self._xml_text[rel].splitlines():
            m = re.match(r"\s*sitemap\s*:\s*(\S+)", line, re.I)
            if m:
                self.check_xml_url(rel, "robots Sitemap:", m.group(1), True)

    def run(self):
        files = self.walk()
        html = [f for f in files if f.endswith((".html", ".htm"))]
        css = [f for f in files if f.endswith(".css")]
        xml = [f for f in files if f.endswith(".xml")]
        for f in html:
            self.check_html(f)
        for f in css:
            self.check_css(f)
        for f in xml:
            self.check_xml(f)
        if "robots.txt" in files:
            self.check_robots("robots.txt")
        orphans = [f for f in html if f not in self.linked and f not in ("index.html", "404.html")]
        return html, css, xml, orphans


def infer_base_url(root):
    """Base URL from the canonical of index.html, else of <dir>/index.html."""
    candidates = ["index.html"] + sorted(
        f"{d}/index.html" for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "index.html")))
    for rel in candidates:
        full = os.path.join(root, rel)
        if not os.path.isfile(full):
            continue
        p = PageParser()
        with open(full, "rb") as f:
            p.feed(f.read().decode("utf-8", errors="replace"))
        if not p.canonical:
            continue
        url = p.canonical[1]
        d = rel[: -len("index.html")]
        if urlsplit(url).scheme in ("http", "https") and url.endswith(d) and url[: len(url) - len(d)].endswith("/"):
            return url[: len(url) - len(d)]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("site")
    ap.add_argument("--base-url")
    ap.add_argument("--allow-root-relative", action="store_true")
    ap.add_argument("--report")
    ap.add_argument("--print-base-url", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(a.site):
        print(f"links: not a directory: {a.site}", file=sys.stderr)
        return 2
    t0 = time.time()
    base = a.base_url or infer_base_url(a.site)
    if base and not base.endswith("/"):
        base += "/"
    if a.print_base_url:
        print(base or "")
        return 0
    c = Checker(a.site, base, a.allow_root_relative, a.verbose)
    html, css, xml, orphans = c.run()
    print(f"base URL: {base or '(unknown: absolute links to the site cannot be mapped; pass --base-url)'}"
          f"{'' if a.base_url else ' (from rel=canonical)' if base else ''}")
    for src, line, kind, url, reason in c.broken:
        print(f"BROKEN {src}:{line} {kind} {url!r} — {reason}")
    for src, line, kind, url, note in c.warnings[: None if a.verbose else 20]:
        print(f"warning {src}:{line} {kind} {url!r} — {note}")
    if len(c.warnings) > 20 and not a.verbose:
        print(f"... {len(c.warnings) - 20} more warnings (--verbose)")
    if c.external:
        print(f"external links (not fetched): {len(c.external)} unique")
        for url in sorted(c.external):
            print(f"  {c.external[url]:4d}× {url}")
    if c.other:
        print("other schemes (not checked): " + ", ".join(f"{k}={v}" for k, v in sorted(c.other.items())))
    if orphans:
        print(f"pages no other page links to (info): {len(orphans)}")
        for o in orphans[: None if a.verbose else 10]:
            print(f"  {o}")
    if a.report:
        with open(a.report, "w", encoding="utf-8") as f:
            json.dump({"base_url": base, "broken": c.broken, "warnings": c.warnings,
                       "external": c.external, "orphans": orphans}, f, indent=1)
    line = (f"files scanned={len(html)} html + {len(css)} css + {len(xml)} xml, links checked={c.checked} "
            f"(fragments={c.fragments}, absolute to base URL={c.absolute_internal}), external={len(c.external)} unique, "
            f"broken={len(c.broken)}, warnings={len(c.warnings)}")
    ok = not c.broken
    print(f"links: {'PASS' if ok else 'FAIL'} {line} in {time.time() - t0:.1f}s")
    if os.environ.get("VERIFY_SUMMARY_FILE"):
        with open(os.environ["VERIFY_SUMMARY_FILE"], "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
