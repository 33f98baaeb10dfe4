#!/usr/bin/env bash
# Browser tests drive Debian's chromium. Install it when missing and we are root; otherwise
# the browser tests skip themselves with a printed reason.
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for browser tests..."
  (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
    || echo "WARNING: could not install chromium; browser tests will be skipped."
else
  echo "NOTE: chromium is not installed and we are not root; browser tests will be skipped."
fi
exit 0
