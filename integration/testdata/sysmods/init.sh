#!/bin/sh
### BEGIN INIT INFO
# Provides:          @NAME@
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: omeprov sysmods test daemon
### END INIT INFO
# The init script of the sysmods tests' daemon (integration/sysmods_test.go
# writes it with its name and state directory filled in). Each action
# waits until the daemon has logged it, so that the state the test reads
# afterwards is settled.
NAME=@NAME@
DIR=@DIR@
PID=$DIR/$NAME.pid
LOG=$DIR/$NAME.log
running() { [ -f "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null; }
lines() { if [ -f "$LOG" ]; then wc -l < "$LOG"; else echo 0; fi; }
settle() { i=0; while [ "$(lines)" -le "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; }
case "$1" in
  start)
    running && exit 0
    n=$(lines)
    start-stop-daemon --start --background --make-pidfile --pidfile "$PID" --startas "$DIR/daemon.sh" -- "$LOG" || exit 1
    settle "$n"
    echo "Starting $NAME." ;;
  stop)
    running || { rm -f "$PID"; exit 0; }
    start-stop-daemon --stop --quiet --pidfile "$PID" --remove-pidfile --retry 5 || exit 1
    echo "Stopping $NAME." ;;
  restart|force-reload) "$0" stop && "$0" start ;;
  reload)
    running || { echo "$NAME is not running" >&2; exit 7; }
    n=$(lines)
    kill -HUP "$(cat "$PID")"
    settle "$n" ;;
  status)
    if running; then echo "$NAME is running."; exit 0; else echo "$NAME is not running."; exit 3; fi ;;
  *) echo "Usage: $0 {start|stop|restart|reload|status}" >&2; exit 2 ;;
esac
exit 0
