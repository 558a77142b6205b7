#!/usr/bin/env bash
# run.sh BINARY: run the portal for development. Without DATABASE_URL, a PostgreSQL cluster under ./.data is
# started (created on first use, reused with its data afterwards) and stopped again when the portal exits.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-bin/portal}
data=${DATA:-.data}
started_pg=""
started_mailpit=""

if [ -z "${DATABASE_URL:-}" ]; then
	DATABASE_URL=$(scripts/pg.sh start "$data")
	export DATABASE_URL
	started_pg=1
fi
# Local development over plain http: cookies can't be Secure, and a demo admin is created on first run.
export PORTAL_COOKIE_SECURE=${PORTAL_COOKIE_SECURE:-false}
export PORTAL_DEMO_ADMIN=${PORTAL_DEMO_ADMIN:-true}
export PORTAL_LOG_FORMAT=${PORTAL_LOG_FORMAT:-text}
# The embedded ISPConfig simulator keeps its data next to the database, so both survive a restart together.
if [ -z "${PORTAL_ISPCONFIG_URL:-}" ]; then
	export PORTAL_ISPCONFIG_SIM=true
	mkdir -p "$data"
	export PORTAL_ISPCONFIG_SIM_STATE=${PORTAL_ISPCONFIG_SIM_STATE:-$data/ispconfig-sim.json}
fi

# Mail goes to a local mailpit (a real SMTP sink with a web UI) unless PORTAL_SMTP_URL says otherwise.
if [ -z "${PORTAL_SMTP_URL:-}" ]; then
	mkdir -p "$data"
	scripts/mailpit.sh stop "$data/mailpit"
	read -r mp_smtp mp_http <<<"$(scripts/mailpit.sh start "$data/mailpit")"
	started_mailpit=1
	export PORTAL_SMTP_URL=smtp://$mp_smtp
	echo "run.sh: mail is caught by mailpit; read it at http://$mp_http"
fi
export PORTAL_MAIL_FROM=${PORTAL_MAIL_FROM:-Demo Hosting <portal@example.com>}
# A development key for the passwords of platforms added under Admin → Platforms, kept next to the database (whose
# sealed passwords it opens).
if [ -z "${PORTAL_SECRET_KEY:-}${PORTAL_SECRET_KEY_FILE:-}" ]; then
	mkdir -p "$data"
	[ -s "$data/secret-key" ] || (umask 077 && head -c 32 /dev/urandom | base64 > "$data/secret-key")
	export PORTAL_SECRET_KEY_FILE=$data/secret-key
fi
# Passkeys need a host name as the portal's address (WebAuthn refuses IP addresses): localhost, on the listen port.
if [ -z "${PORTAL_BASE_URL:-}" ]; then
	listen=${PORTAL_LISTEN:-127.0.0.1:8080}
	export PORTAL_BASE_URL=http://localhost:${listen##*:}
fi

"$bin" serve &
pid=$!
cleanup() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ -n "$started_mailpit" ]; then scripts/mailpit.sh stop "$data/mailpit"; fi
	if [ -n "$started_pg" ]; then scripts/pg.sh stop "$data"; fi
}
trap cleanup EXIT INT TERM
wait "$pid"
