#!/usr/bin/env python3
"""Checks every .pdf in a built site with poppler's pdfinfo (and pdffonts).

    python3 pdf.py SITE_DIR [--min-pages N]

Fails (exit 1) when pdfinfo cannot open a PDF, when its Title is missing or
empty, or when it has fewer than N pages. Prints pages, title, page size,
tagged, and (not failing) fonts that are not embedded.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--min-pages", type=int, default=0)
    a = ap.parse_args()
    t0 = time.time()
    pdfs = []
    for d, dirs, names in os.walk(a.site):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "node_modules")
        pdfs += [os.path.join(d, n) for n in sorted(names) if n.lower().endswith(".pdf")]
    errors = 0
    pages_total = 0
    for pdf in pdfs:
        rel = os.path.relpath(pdf, a.site)
        p = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, errors="replace")
        if p.returncode != 0:
            errors += 1
            print(f"ERROR {rel}: pdfinfo cannot open it: {' / '.join(dict.fromkeys(p.stderr.strip().splitlines()))}")
            continue
        info = {}
        for line in p.stdout.splitlines():
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
        pages = int(info.get("Pages", "0") or 0)
        pages_total += pages
        title = info.get("Title", "")
        problems = []
        if not title:
            problems.append("no Title in the document info")
        if pages < max(1, a.min_pages):
            problems.append(f"{pages} pages, expected at least {max(1, a.min_pages)}")
        fonts_note = ""
        if shutil.which("pdffonts"):
            f = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, errors="replace")
            rows = f.stdout.splitlines()[2:]
            not_emb = [r.split()[0] for r in rows if r.strip() and re.search(r"\s(no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", r)]
            fonts_note = f", fonts={len(rows)}" + (f" (NOT embedded: {', '.join(not_emb)})" if not_emb else "")
        print(f"{'ERROR' if problems else 'ok   '} {rel}: pages={pages}, title={title!r}, "
              f"size={info.get('Page size', '?')}, tagged={info.get('Tagged', '?')}{fonts_note}"
              + (" — " + "; ".join(problems) if problems else ""))
        errors += bool(problems)
    line = f"PDFs checked={len(pdfs)}, pages={pages_total}, errors={errors}" + (f" (min pages {a.min_pages})" if a.min_pages else "")
    ok = errors == 0
    print(f"pdf: {'PASS' if ok else 'FAIL'} {line} in {time.time() - t0:.1f}s")
    if os.environ.get("VERIFY_SUMMARY_FILE"):
        with open(os.environ["VERIFY_SUMMARY_FILE"], "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
