#!/usr/bin/env bash
# peer-checks.sh: what CI runs against the real ISPConfig peer (inside scripts/with-peer.sh): the conformance suite as
# the portal's remote user, then, on a freshly reset database, the differential test (the corpus against the peer and
# the simulator side by side, and against the committed recording); then the drift check against the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ISPCONFIG_PEER_URL:?run me through scripts/with-peer.sh}"
# The quota functions' check logs in as a user with the "Quota functions" group (the peer's peerportal predates it).
ISPCONFIG_TEST_URL=$ISPCONFIG_PEER_URL ISPCONFIG_TEST_USER=peerportal ISPCONFIG_TEST_PASSWORD=PeerPortal-Pass-2021 \
	ISPCONFIG_TEST_QUOTA_USER=peeradmin ISPCONFIG_TEST_QUOTA_PASSWORD=PeerAdmin-Pass-2021 \
	${MAKE:-make} --no-print-directory conformance
# The differential corpus compares ids: both sides must start from a fresh installation.
bash "$PEER_SH" reset "$PEER_DIR" </dev/null
${GO:-go} test -count=1 -run '^TestDifferentialPeer$' -v ./internal/ispapi/
# Drift against the real panel: rows changed in its MariaDB behind the API's back are reported field by field and
# pushed back; its job queue (no server daemon consumes it) keeps a written site applying.
scripts/test-env.sh ${GO:-go} test -count=1 -run '^TestDriftPeer$' -v ./internal/hosting/
# ISPConfig's client_update runs its lock routine on every update: switches must survive it on the real panel.
scripts/test-env.sh ${GO:-go} test -count=1 -run '^TestClientLockPeer$' -v ./internal/tenancy/
