#!/usr/bin/env bash
# Debian packages some tests need: the PostgreSQL server (migration test on PostgreSQL), Chromium
# and a Chinese font (console tests in the browser), promtool (the alert rules), Pango and poppler
# (the evaluation's PDF).
# Installs what is missing when run as root with apt-get; otherwise says what those tests will skip.
set -eu
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
# The evaluation's PDF report (WeasyPrint needs Pango) and its test's look at page 1 (pdftoppm).
ldconfig -p | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v promtool >/dev/null || missing+=(prometheus)  # `promtool check rules` (tests/test_operations_rules.py)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "note: ${missing[*]} not installed (needs root + apt-get); the tests that need them will be skipped"
fi
