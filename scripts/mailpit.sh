#!/usr/bin/env bash
# mailpit.sh: the real SMTP sink used by make run and make test (https://mailpit.axllent.org, a Go program).
#   mailpit.sh install            install mailpit into .tools/bin with `go install` (once per version); print its path
#   mailpit.sh start DIR          start it in the background with its data in DIR, on free local ports; print
#                                 "SMTP_ADDR HTTP_ADDR" once it answers
#   mailpit.sh stop DIR           stop the instance started with DIR
set -euo pipefail
cd "$(dirname "$0")/.."
MAILPIT_VERSION=v1.33.1
tools=$PWD/.tools/bin

install() {
	local bin=$tools/mailpit stamp=$tools/mailpit.version
	if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$MAILPIT_VERSION" ]; then
		echo "$bin"; return
	fi
	echo "mailpit.sh: installing mailpit $MAILPIT_VERSION into $tools (go install; takes a minute the first time)" >&2
	mkdir -p "$tools"
	GOBIN=$tools GOFLAGS=-mod=mod go install "github.com/axllent/mailpit@$MAILPIT_VERSION" >&2
	echo "$MAILPIT_VERSION" > "$stamp"
	echo "$bin"
}

# free_port prints a port nothing listens on, below Linux's ephemeral range (32768 and up), where outgoing
# connections can't be holding it either.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	echo "mailpit.sh: no free port found" >&2; return 1
}

start() {
	local dir=$1 bin smtp http try
	bin=$(install)
	mkdir -p "$dir"
	# A port that was free when checked can be taken before mailpit binds it: then it tries other ports.
	for try in 1 2 3 4 5; do
		smtp=127.0.0.1:$(free_port)
		http=127.0.0.1:$(free_port)
		[ "$smtp" != "$http" ] || continue
		"$bin" --smtp "$smtp" --listen "$http" --database "$dir/mailpit.db" --disable-version-check \
			--smtp-auth-accept-any --smtp-auth-allow-insecure --quiet >"$dir/mailpit.log" 2>&1 &
		echo $! > "$dir/mailpit.pid"
		for _ in $(seq 1 300); do
			if (exec 3<>"/dev/tcp/${smtp%:*}/${smtp#*:}") 2>/dev/null && (exec 3<>"/dev/tcp/${http%:*}/${http#*:}") 2>/dev/null; then
				echo "$smtp $http"; return
			fi
			if ! kill -0 "$(cat "$dir/mailpit.pid")" 2>/dev/null; then
				if grep -q "address already in use" "$dir/mailpit.log" && [ "$try" -lt 5 ]; then
					continue 2
				fi
				echo "mailpit.sh: mailpit exited:" >&2; cat "$dir/mailpit.log" >&2; return 1
			fi
			sleep 0.1
		done
		echo "mailpit.sh: mailpit did not answer on $smtp / $http" >&2; return 1
	done
	echo "mailpit.sh: no free ports for mailpit" >&2; return 1
}

stop() {
	local dir=$1
	if [ -f "$dir/mailpit.pid" ]; then
		kill "$(cat "$dir/mailpit.pid")" 2>/dev/null || true
		rm -f "$dir/mailpit.pid"
	fi
}

case "${1:-}" in
install) install ;;
start) start "${2:?usage: mailpit.sh start DIR}" ;;
stop) stop "${2:?usage: mailpit.sh stop DIR}" ;;
*) echo "usage: mailpit.sh install | start DIR | stop DIR" >&2; exit 2 ;;
esac
