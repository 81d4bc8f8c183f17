#!/usr/bin/env bash
# Checks HTML pages in headless Chromium (see check-html.mjs): fails on a broken image, a console error or an empty
# page, and saves a screenshot of each. Usage: tests/browser/check-html.sh [--screenshots DIR] PAGE.html...
#                                              tests/browser/check-html.sh --self-test
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [[ -z "$chromium" ]]; then
  echo "check-html: no chromium found (Debian: apt-get install -y chromium; or set CHROMIUM=/path/to/chrome)" >&2
  exit 2
fi
flag=()
[[ "$(node -e 'process.stdout.write(typeof WebSocket)')" == "function" ]] || flag=(--experimental-websocket)
exec node "${flag[@]}" "$here/check-html.mjs" --chromium "$chromium" "$@"
