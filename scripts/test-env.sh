#!/usr/bin/env bash
# test-env.sh CMD...: run CMD with everything the tests need, set up from nothing on a Debian machine with Go:
#   - a throwaway PostgreSQL cluster in a temp dir (PORTAL_TEST_DATABASE_URL), removed afterwards, unless
#     PORTAL_TEST_DATABASE_URL is already set;
#   - Debian's chromium for the browser tests (PORTAL_TEST_CHROMIUM), installed when missing;
#   - mailpit, a real SMTP sink (scripts/mailpit.sh installs it with go install into .tools/bin), started for the
#     run on free ports: PORTAL_TEST_SMTP_URL, PORTAL_TEST_MAILPIT_URL (its HTTP API), and PORTAL_TEST_MAILPIT_BIN
#     for tests that run a private instance they stop and start.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
		echo "test-env.sh: need root or sudo for: $*" >&2; return 1; fi
}

if [ -z "${PORTAL_TEST_CHROMIUM:-}" ]; then
	if ! command -v chromium >/dev/null 2>&1; then
		echo "test-env.sh: installing Debian's chromium for the browser tests" >&2
		as_root apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >&2
	fi
	PORTAL_TEST_CHROMIUM=$(command -v chromium)
	export PORTAL_TEST_CHROMIUM
fi

cleanups=()
trap 'for c in "${cleanups[@]}"; do eval "$c" || true; done' EXIT

if [ -z "${PORTAL_TEST_MAILPIT_BIN:-}" ]; then
	PORTAL_TEST_MAILPIT_BIN=$(scripts/mailpit.sh install)
	export PORTAL_TEST_MAILPIT_BIN
fi
if [ -z "${PORTAL_TEST_SMTP_URL:-}" ]; then
	mp=$(mktemp -d /tmp/portal-mailpit.XXXXXX)
	cleanups+=("scripts/mailpit.sh stop '$mp'; rm -rf '$mp'")
	mp_addrs=$(scripts/mailpit.sh start "$mp")
	read -r mp_smtp mp_http <<<"$mp_addrs"
	export PORTAL_TEST_SMTP_URL=smtp://$mp_smtp PORTAL_TEST_MAILPIT_URL=http://$mp_http
fi

if [ -z "${PORTAL_TEST_DATABASE_URL:-}" ]; then
	tmp=$(mktemp -d /tmp/portal-test.XXXXXX)
	chmod 755 "$tmp"
	cleanups+=("scripts/pg.sh stop '$tmp'; rm -rf '$tmp'")
	PORTAL_TEST_DATABASE_URL=$(scripts/pg.sh start "$tmp")
	export PORTAL_TEST_DATABASE_URL
fi

"$@"
