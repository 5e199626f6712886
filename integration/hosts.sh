#!/usr/bin/env bash
# Start (or stop) real sshd test hosts on this machine, one per loopback
# address 127.0.0.(20+i), each with its own generated host key, all
# accepting one generated client key for the user omeprovbench (created
# if missing, login shell /bin/sh, passwordless sudo). Writes an inventory.
# The user's shell is /bin/sh on purpose: root's bash here sources a slow
# ~/.bashrc (pyenv) on every ssh command, which would dominate timings.
#
#   integration/hosts.sh start N DIR   # start N hosts; DIR/hosts.ini, DIR/id_ed25519
#   integration/hosts.sh stop DIR      # stop them
#
# The Go integration tests start their hosts through internal/sshdtest;
# this script is for benchmarks (bench/bench.sh) and for trying omeprov by
# hand. Needs root and openssh-server. Only loopback addresses are used.
set -euo pipefail
cmd=${1:-}; shift || true
case "$cmd" in
start)
  n=${1:?number of hosts}; dir=${2:?directory}
  mkdir -p "$dir" /run/sshd
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519"
  user=omeprovbench
  if ! id "$user" >/dev/null 2>&1; then
    useradd -m -s /bin/sh "$user"
    usermod -p '*' "$user"   # not locked: sshd refuses locked accounts
    echo "$user ALL=(ALL:ALL) NOPASSWD: ALL" > /etc/sudoers.d/$user
    chmod 0440 /etc/sudoers.d/$user
  fi
  : > "$dir/hosts.ini"
  echo "[bench]" >> "$dir/hosts.ini"
  for i in $(seq 1 "$n"); do
    addr=127.0.0.$((20 + i)); port=2222; h="$dir/h$i"
    mkdir -p "$h"
    [ -f "$h/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$h/ssh_host_ed25519_key"
    cp "$dir/id_ed25519.pub" "$h/authorized_keys"
    cat > "$h/sshd_config" <<CFG
Port $port
ListenAddress $addr
HostKey $h/ssh_host_ed25519_key
PidFile $h/sshd.pid
AuthorizedKeysFile $h/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
MaxSessions 100
MaxStartups 100
Subsystem sftp internal-sftp
CFG
    /usr/sbin/sshd -f "$h/sshd_config" -E "$h/sshd.log"
    echo "h$i ansible_host=$addr ansible_port=$port ansible_user=$user ansible_ssh_private_key_file=$dir/id_ed25519" >> "$dir/hosts.ini"
  done
  printf '\n[all:vars]\nansible_python_interpreter=/usr/bin/python3\n' >> "$dir/hosts.ini"
  # wait until every host answers
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 50); do
      (exec 3<>/dev/tcp/127.0.0.$((20 + i))/2222) 2>/dev/null && break
      sleep 0.1
    done
  done
  echo "$dir/hosts.ini"
  ;;
stop)
  dir=${1:?directory}
  for pid in "$dir"/h*/sshd.pid; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  ;;
*)
  echo "usage: $0 start N DIR | stop DIR" >&2; exit 2 ;;
esac
