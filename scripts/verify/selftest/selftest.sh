#!/usr/bin/env bash
# Self-test of verify-site: a clean generated test site must pass every check,
# and each seeded defect must be caught by the check meant to catch it.
#
#   scripts/verify/selftest/selftest.sh [WORKDIR]
#
# Prints "N passed, N failed" at the end; exit 0 only if all cases behave.
set -uo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
VERIFY="$HERE/../../verify-site"
WORK="${1:-$(mktemp -d "${TMPDIR:-/tmp}/verify-selftest.XXXXXX")}"
mkdir -p "$WORK"

sub() { # file old new: replace the first occurrence, which must exist
  python3 - "$@" <<'PY'
import sys
f, a, b = sys.argv[1:4]
s = open(f, encoding="utf-8").read()
assert a in s, f"{a!r} not in {f}"
open(f, "w", encoding="utf-8").write(s.replace(a, b, 1))
PY
}

make_site() { # kind dir
  local kind="$1" d="$2"
  rm -rf "$d"
  python3 "$HERE/mksite.py" "$d" 2 >/dev/null
  case "$kind" in
    clean) ;;
    links)
      sub "$d/sv/index.html" '<a href="plan/">Plan</a>' '<a href="plan/">Plan</a> <a href="plan/saknas/">x</a> <a href="partners/oulu/#nope">y</a>'
      sub "$d/sitemap.xml" '</urlset>' '<url><loc>https://example.org/lulea/sv/gone/</loc></url></urlset>'
      sub "$d/assets/style.3f2a.css" 'a{color:var(--link)}' 'a{color:var(--link)}@font-face{font-family:X;src:url("fonts/missing.woff2")}' ;;
    a11y) # valid HTML, but text contrast 1.9:1
      sub "$d/fi/plan/index.html" '<h2 id="syfte">' '<p style="color:#bbb">Huono kontrasti</p><h2 id="syfte">' ;;
    html) # obsolete element (also an a11y failure) and an invalid CSS property
      sub "$d/en/plan/index.html" '<h2 id="syfte">' '<blink>old</blink><h2 id="syfte">'
      sub "$d/assets/style.3f2a.css" 'a{color:var(--link)}' 'a{color:var(--link);colour:red}' ;;
    htmlwarn) # a vnu warning only
      sub "$d/sv/plan/index.html" '<h2 id="syfte">' '<section><p>Ingen rubrik här.</p></section><h2 id="syfte">' ;;
    console)
      sub "$d/sv/plan/index.html" '</main>' '</main><script>console.error("boom from selftest")</script>' ;;
    reflow) # fixed-width block inside main: horizontal scroll at 375px only
      sub "$d/en/index.html" '</main>' '<div style="width:700px">wide block</div></main>' ;;
    pdf)
      python3 "$HERE/mksite.py" --pdf "$d/fi/plan-fi.pdf" - ;;
  esac
}

# case: kind, checks expected to FAIL (others must pass), extra options
CASES=(
  "clean||"
  "links|links|"
  "a11y|axe pa11y|"
  "html|html axe pa11y|"
  "htmlwarn|html|"
  "console|axe|"
  "reflow|axe|"
  "pdf|pdf|"
  "clean-minpages|pdf|--pdf-min-pages 2"
)
passed=0
failed=0
for c in "${CASES[@]}"; do
  IFS='|' read -r kind expect extra <<<"$c"
  site="$WORK/$kind"
  make_site "${kind%-minpages}" "$site"
  # shellcheck disable=SC2086
  "$VERIFY" "$site" --report-dir "$WORK/$kind.reports" $extra >"$WORK/$kind.out" 2>&1
  rc=$?
  got="$(sed -n '/=== verify-site summary/,$p' "$WORK/$kind.out" | awk '$1=="FAIL"{print $2}' | tr '\n' ' ' | sed 's/ $//')"
  want_rc=1
  [ -n "$expect" ] || want_rc=0
  if [ "$got" = "$expect" ] && [ "$rc" -eq "$want_rc" ]; then
    passed=$((passed + 1))
    echo "ok   $kind: failing checks = '${got}' (exit $rc)"
  else
    failed=$((failed + 1))
    echo "FAIL $kind: failing checks = '${got}', expected '${expect}' (exit $rc, expected $want_rc); see $WORK/$kind.out"
  fi
done
echo "selftest work folder: $WORK"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
