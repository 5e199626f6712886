#!/bin/sh
# A tiny daemon for the service tests: logs start, reload (SIGHUP) and
# stop (SIGTERM) to the file named by $1, and otherwise sleeps.
log=$1
child=
trap 'echo reload >> "$log"' HUP
trap 'echo stop >> "$log"; [ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM
echo start >> "$log"
while :; do
  sleep 3600 &
  child=$!
  wait "$child"
done
