#!/usr/bin/env bash
# with-peer.sh CMD [ARGS...]: run CMD against a real ISPConfig 3 (the test fixture ../shared/ispconfig/peer, next to
# this repository; it is not part of the project). The peer is built from scratch in a temporary directory (peer.sh
# installs its Debian packages the first time), CMD runs with
#   ISPCONFIG_PEER_URL  the json.php URL      PEER_SH   the peer's script     PEER_DIR  the peer's directory
# and the peer is stopped and removed afterwards, also when CMD fails or the run is interrupted.
# Ports: the first free ones from 18080 (HTTP) and 13306 (MariaDB), or PEER_HTTP_PORT / PEER_DB_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER_SH=${PEER_SH:-$PWD/../shared/ispconfig/peer/peer.sh}
[ -f "$PEER_SH" ] || { echo "with-peer.sh: no $PEER_SH (the ISPConfig test peer lives in ../shared/ispconfig/peer)" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: scripts/with-peer.sh CMD [ARGS...]" >&2; exit 2; }

free_port() { # first port from $1 that nothing listens on
	local p
	for p in $(seq "$1" $(($1 + 200))); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	echo "with-peer.sh: no free port from $1" >&2
	return 1
}
export PEER_HTTP_PORT=${PEER_HTTP_PORT:-$(free_port 18080)}
export PEER_DB_PORT=${PEER_DB_PORT:-$(free_port 13306)}
PEER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/portal-peer.XXXXXX")
export PEER_SH PEER_DIR
export ISPCONFIG_PEER_URL="http://127.0.0.1:$PEER_HTTP_PORT/remote/json.php"

cleanup() {
	bash "$PEER_SH" stop "$PEER_DIR" || true
	rm -rf "$PEER_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
bash "$PEER_SH" build "$PEER_DIR" </dev/null
echo "with-peer.sh: ISPConfig peer up at $ISPCONFIG_PEER_URL after $(($(date +%s) - start))s" >&2
"$@"
