#!/usr/bin/env bash
# Runs a command with Chromium for the browser tests (test/browser):
#   scripts/with-chromium.sh go test ./test/browser/
# Installs Debian's chromium package when /usr/bin/chromium is missing (as
# root, with apt-get) and exports CUSTOS_TEST_CHROMIUM for the command. An
# existing CUSTOS_TEST_CHROMIUM is kept. Without root and without Chromium,
# the command runs anyway and the browser tests skip, saying why.
set -euo pipefail

if [ -z "${CUSTOS_TEST_CHROMIUM:-}" ]; then
	if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "with-chromium: installing Chromium (Debian package chromium)" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends chromium >&2
	fi
	if [ -x /usr/bin/chromium ]; then
		export CUSTOS_TEST_CHROMIUM=/usr/bin/chromium
	else
		echo "with-chromium: no /usr/bin/chromium and it cannot be installed here: the browser tests will skip" >&2
	fi
fi
exec "$@"
