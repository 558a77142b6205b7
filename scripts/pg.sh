#!/usr/bin/env bash
# pg.sh: a throwaway PostgreSQL cluster built from the machine's own PostgreSQL binaries.
#
#   scripts/pg.sh start DATADIR   initialise DATADIR if it is empty, start the server, create database "portal",
#                                 print the server's connection URL (database "portal") on stdout
#   scripts/pg.sh stop DATADIR    stop the server (fast shutdown)
#   scripts/pg.sh url DATADIR     print the URL without starting anything
#
# The server listens only on a Unix socket (no TCP port to collide with), in a short per-cluster directory under
# /tmp. When the binaries are missing, Debian's postgresql package is installed (as root, or through sudo).
# PostgreSQL refuses to run as root, so as root the server runs as the "postgres" system user.
set -euo pipefail

log() { echo "pg.sh: $*" >&2; }

find_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
	if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
		dirname "$(command -v pg_ctl)"; return
	fi
}

install_postgres() {
	log "PostgreSQL binaries not found; installing Debian's postgresql package"
	local sudo=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || { log "need root or sudo to install postgresql"; exit 1; }
		sudo="sudo"
	fi
	$sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then install_postgres; bindir=$(find_bindir); fi
[ -n "$bindir" ] || { log "no PostgreSQL binaries after install"; exit 1; }

cmd=${1:-}; data=${2:-}
[ -n "$cmd" ] && [ -n "$data" ] || { echo "usage: pg.sh start|stop|url DATADIR" >&2; exit 2; }
mkdir -p "$data"
data=$(cd "$data" && pwd)

runas=()
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
	owner=postgres
	runas=(runuser -u postgres --)
	# The postgres user must be able to reach DATADIR; when it can't (say, a checkout under /root), keep the
	# cluster in /var/tmp instead and remember where.
	if ! "${runas[@]}" test -x "$data"; then
		alt="/var/tmp/portal-pg-$(printf %s "$data" | sha1sum | cut -c1-12)"
		mkdir -p "$alt"
		data="$alt"
	fi
fi
pgdata="$data/pgdata"
sock="/tmp/portal-pg-$(printf %s "$pgdata" | sha1sum | cut -c1-12)"
url="postgres:///portal?host=$sock&user=postgres&sslmode=disable"

case "$cmd" in
url) echo "$url" ;;
start)
	mkdir -p "$sock" "$pgdata"
	chown "$owner" "$sock" "$pgdata"
	chmod 700 "$pgdata"
	if [ ! -f "$pgdata/PG_VERSION" ]; then
		"${runas[@]}" "$bindir/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>&1 \
			|| "${runas[@]}" "$bindir/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C >&2
	fi
	if ! "${runas[@]}" "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		"${runas[@]}" "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
			-o "-c listen_addresses='' -c unix_socket_directories='$sock' -c fsync=off -c max_connections=300" start >&2 \
			|| { cat "$pgdata/server.log" >&2; exit 1; }
	fi
	if ! "${runas[@]}" "$bindir/psql" -h "$sock" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='portal'" | grep -q 1; then
		"${runas[@]}" "$bindir/psql" -h "$sock" -U postgres -d postgres -qc "CREATE DATABASE portal" >&2
	fi
	echo "$url"
	;;
stop)
	if [ -f "$pgdata/PG_VERSION" ]; then
		"${runas[@]}" "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
*) echo "usage: pg.sh start|stop|url DATADIR" >&2; exit 2 ;;
esac
