#!/usr/bin/env python3
"""Checks a built site as a web server serves it (scripts/verify-hosting).

Usage: check.py SITE_DIR ORIGIN PREFIX

For every file of SITE_DIR, asks ORIGIN + PREFIX + its path: every page
answers 200 at its directory's address, a directory without its slash is
redirected to it (a relative Location), a missing page answers 404 with the
site's 404.html, each file comes with its type, every file with a .gz or .br
beside it is sent compressed to a client that accepts it and decompresses to
the file's bytes (and as it is to one that does not), files with a content
hash in their names are cached for a year and pages are revalidated. Exits 1
on any failure, listing each.
"""
import gzip
import http.client
import os
import re
import sys
import urllib.parse

import brotli

SITE, ORIGIN, PREFIX = sys.argv[1], sys.argv[2], sys.argv[3]
HOST = urllib.parse.urlsplit(ORIGIN)
TYPES = {
    ".html": "text/html", ".css": "text/css", ".js": ("application/javascript", "text/javascript"), ".svg": "image/svg+xml",
    ".xml": ("text/xml", "application/xml"), ".json": "application/json", ".csv": "text/csv", ".geojson": "application/geo+json",
    ".rdf": "application/rdf+xml", ".woff2": "font/woff2", ".pdf": "application/pdf", ".epub": "application/epub+zip", ".wasm": "application/wasm",
    ".txt": "text/plain", ".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp",
}
HASHED = re.compile(r"(\.[0-9a-f]{10}\.[a-z0-9]+|\.pf_[a-z]+)$")
failures = []
counts = {"pages": 0, "files": 0, "compressed": 0, "redirects": 0}
conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)


def get(path, encoding=None):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    conn.request("GET", PREFIX + urllib.parse.quote(path), headers=headers)
    response = conn.getresponse()
    return response, response.read()


def fail(path, problem):
    failures.append(f"{PREFIX}{path}: {problem}")


files, copies = [], []
for dirpath, _, names in os.walk(SITE):
    for name in names:
        rel = os.path.relpath(os.path.join(dirpath, name), SITE).replace(os.sep, "/")
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        (copies if rel.endswith((".gz", ".br")) else files).append(rel)
files.sort()
# a compressed copy without its file, or a file with one kind of copy only,
# is served differently to different clients
present = set(files)
for copy in sorted(copies):
    original, kind = copy[:-3], copy[-2:]
    other = original + (".br" if kind == "gz" else ".gz")
    if original not in present:
        fail(copy, "a compressed copy of a file that is not there")
    elif other not in copies:
        fail(copy, f"a .{kind} copy without the {other[-3:]} one")

for rel in files:
    data = open(os.path.join(SITE, rel), "rb").read()
    ext = os.path.splitext(rel)[1]
    url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
    response, body = get(url)
    counts["files"] += 1
    if response.status != 200:
        fail(url, f"HTTP {response.status}")
        continue
    if body != data:
        fail(url, "served bytes differ from the file")
    ctype = response.getheader("Content-Type", "")
    if ext in TYPES and not ctype.startswith(TYPES[ext]):
        fail(url, f"Content-Type {ctype!r}, expected {TYPES[ext]}")
    cache = response.getheader("Cache-Control", "")
    if HASHED.search(rel) and "immutable" not in cache:
        fail(url, f"fingerprinted, but Cache-Control is {cache!r}")
    if ext == ".html":
        counts["pages"] += 1
        if "no-cache" not in cache:
            fail(url, f"a page, but Cache-Control is {cache!r}")
        # a directory without its slash
        if url.endswith("/") and url != "":
            response, _ = get(url[:-1])
            counts["redirects"] += 1
            location = response.getheader("Location", "")
            if response.status != 301 or not location.endswith(PREFIX + urllib.parse.quote(url)):
                fail(url[:-1], f"HTTP {response.status} to {location!r}, expected 301 to {PREFIX}{url}")
    for suffix, accept, decode, encoding in [(".gz", "gzip", gzip.decompress, "gzip"), (".br", "br", brotli.decompress, "br")]:
        if not os.path.exists(os.path.join(SITE, rel + suffix)):
            continue
        counts["compressed"] += 1
        response, body = get(url, accept)
        if response.getheader("Content-Encoding") != encoding:
            fail(url, f"{suffix} beside it, but asked with Accept-Encoding: {accept} it came as {response.getheader('Content-Encoding')!r}")
        else:
            try:
                holds = decode(body) == data
            except Exception as e:  # a broken copy: any decoder error
                holds = False
                fail(url, f"the {encoding} copy cannot be decompressed: {e}")
            else:
                if not holds:
                    fail(url, f"the {encoding} copy does not decompress to the file")
        if "accept-encoding" not in response.getheader("Vary", "").lower():
            fail(url, f"sent {encoding}-compressed without Vary: Accept-Encoding (a shared cache could send it to any client)")
        if not response.getheader("Content-Type", "").startswith(TYPES.get(ext, "")):
            fail(url, f"compressed copy sent as {response.getheader('Content-Type')!r}")
        if response.getheader("Cache-Control", "") != cache:
            fail(url, f"compressed copy cached as {response.getheader('Cache-Control')!r}, the file as {cache!r}")

missing = "no-such-page-" + "x" * 8 + "/"
response, body = get(missing)
try:
    not_found = open(os.path.join(SITE, "404.html"), "rb").read()
except OSError:
    not_found = None
    fail("404.html", "the site has no 404 page")
if response.status != 404 or body != not_found:
    fail(missing, f"HTTP {response.status}, expected 404 with the site's 404.html")
# hidden files (the build's marker) and directories without a page
for path in [".plansite-output", "assets/"]:
    response, body = get(path)
    if response.status != 404 or body != not_found:
        fail(path, f"HTTP {response.status}, expected 404 with the site's 404.html")

for line in failures[:50]:
    print("FAIL", line)
if len(failures) > 50:
    print(f"... and {len(failures) - 50} more")
summary = ", ".join(f"{k}={v}" for k, v in counts.items())
print(f"hosting: {'FAIL' if failures else 'PASS'} {summary}, failures={len(failures)}")
sys.exit(1 if failures else 0)
