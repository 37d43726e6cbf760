#!/bin/sh
# Serve both doubles until SIGTERM/SIGINT (the container's entrypoint). Settings come from
# the environment: HOST (0.0.0.0), FTS_PORT (8446), GLOBUS_PORT (8447), and extra flags in
# FTS_ARGS / GLOBUS_ARGS (e.g. FTS_ARGS="--scenario rucio-site-pair --speed 10").
set -eu
HOST="${HOST:-0.0.0.0}"
FTS_PORT="${FTS_PORT:-8446}"
GLOBUS_PORT="${GLOBUS_PORT:-8447}"
# shellcheck disable=SC2086 # the *_ARGS variables hold several flags
mockfts serve --host "$HOST" --port "$FTS_PORT" ${FTS_ARGS:-} &
fts=$!
# shellcheck disable=SC2086
mockglobus serve --host "$HOST" --port "$GLOBUS_PORT" ${GLOBUS_ARGS:-} &
globus=$!
# Stop both, and exit as they exit (0 after a clean drain): on a signal, or when one of
# them ends on its own (then the other is stopped too).
stop() {
    kill -TERM "$fts" "$globus" 2>/dev/null || true
    status=0
    wait "$fts" || status=$?
    wait "$globus" || status=$?
    exit "$status"
}
trap stop TERM INT
while kill -0 "$fts" 2>/dev/null && kill -0 "$globus" 2>/dev/null; do
    sleep 1 &
    wait $! || true
done
stop
