#!/usr/bin/env python3
"""HTML/CSS/SVG validation of a built site with the Nu Html Checker (vnu.jar).

    python3 vnu.py SITE_DIR --jar PATH/vnu.jar [--java java] [--verbose]

Runs one JVM over every .html file, every .css file and every .svg file:
    java -jar vnu.jar --skip-non-html --also-check-css --also-check-svg --Werror --format json ...
Fails (exit 1) on any error or warning (and on any file vnu could not read).
Plain informational messages are counted and shown with --verbose, never fail.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--jar", required=True)
    ap.add_argument("--java", default="java")
    ap.add_argument("--report")
    ap.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()
    t0 = time.time()
    files = {"html": [], "css": [], "svg": []}
    for d, dirs, names in os.walk(a.site):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "node_modules")
        for n in sorted(names):
            ext = n.rsplit(".", 1)[-1].lower()
            ext = "html" if ext in ("htm", "xhtml") else ext
            if ext in files:
                files[ext].append(os.path.join(d, n))
    todo = files["html"] + files["css"] + files["svg"]
    counts = ", ".join(f"{k}={len(v)}" for k, v in files.items())
    if not todo:
        print("vnu: FAIL no .html/.css/.svg files found")
        return 1
    cmd = [a.java, "-Xss4m", "-XX:+UseSerialGC", "-jar", a.jar, "--skip-non-html", "--also-check-css",
           "--also-check-svg", "--Werror", "--format", "json", "--stdout", "--verbose"] + todo
    version = subprocess.run([a.java, "-jar", a.jar, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Nu Html Checker {version}; {len(todo)} files ({counts})")
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        messages = json.loads(p.stdout)["messages"]
    except (ValueError, KeyError):
        print(p.stdout[-3000:])
        print(p.stderr[-3000:])
        print(f"vnu: FAIL the checker did not produce a report (exit {p.returncode})")
        return 1
    checked = [ln for ln in p.stderr.splitlines() if ln.strip() and not ln.startswith(("Exception", "\t", " "))]
    errors = warnings = infos = 0
    per_file = {}
    site_prefix = os.path.abspath(a.site) + os.sep
    for m in messages:
        url = m.get("url", "")
        path = url[len("file:"):] if url.startswith("file:") else url
        path = os.path.abspath(path).replace(site_prefix, "") if path else "?"
        where = f"{path}:{m.get('firstLine') or m.get('lastLine') or 1}:{m.get('firstColumn', m.get('lastColumn', 0))}"
        extract = (m.get("extract") or "").replace("\n", "↩")
        t, sub = m.get("type"), m.get("subType")
        if t == "info" and sub != "warning":
            infos += 1
            if a.verbose:
                print(f"info  {where} {m.get('message')}")
            continue
        if t == "info":
            warnings += 1
            label = "WARNING"
        elif t == "non-document-error":
            errors += 1
            label = "IO-ERROR"
        else:
            errors += 1
            label = "ERROR"
        per_file[path] = per_file.get(path, 0) + 1
        print(f"{label} {where} {m.get('message')}" + (f"  «{extract[:160]}»" if extract else ""))
    if a.report:
        with open(a.report, "w", encoding="utf-8") as f:
            json.dump(messages, f, indent=1)
    ok = errors == 0 and warnings == 0
    line = (f"files validated={len(todo)} ({counts}), errors={errors}, warnings={warnings}, "
            f"files with problems={len(per_file)}, info (not failing)={infos}")
    if len(checked) != len(todo) and a.verbose:
        print(f"note: vnu listed {len(checked)} files as checked")
    print(f"vnu: {'PASS' if ok else 'FAIL'} {line} in {time.time() - t0:.1f}s")
    if os.environ.get("VERIFY_SUMMARY_FILE"):
        with open(os.environ["VERIFY_SUMMARY_FILE"], "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
