#!/usr/bin/env bash
# Compare omeprov apply with ansible-playbook (pipelining on) on the same
# ~20-task idempotent playbook, on 1 host and on 10 hosts (real sshd on
# loopback), several runs each; print the median times and the ratio.
# The first run of each tool converges the hosts and is not timed.
#   bench/bench.sh [RUNS]      (default 5; needs root, openssh-server, ansible-core)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d)
trap 'integration/hosts.sh stop "$work" >/dev/null 2>&1; rm -rf "$work" /tmp/omeprov-bench' EXIT
go build -o "$work/omeprov" ./cmd/omeprov
chmod 0755 "$work"
mkdir -p /tmp/omeprov-bench && chmod 1777 /tmp/omeprov-bench
inv=$(integration/hosts.sh start 10 "$work")
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_PIPELINING=True ANSIBLE_NOCOLOR=1 ANSIBLE_FORKS=10
export ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp"
unset SSH_AUTH_SOCK
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
printf '%-8s %-10s %12s %12s %8s\n' hosts tool-run omeprov_s ansible_s ratio
for limit in h1 all; do
  n=$([ "$limit" = all ] && echo 10 || echo 1)
  "$work/omeprov" apply -f 10 -i "$inv" -l "$limit" bench/playbook.yml >/dev/null
  ansible-playbook -i "$inv" -l "$limit" bench/playbook.yml >/dev/null
  o=(); a=()
  for _ in $(seq 1 "$runs"); do
    o+=("$(timeit "$work/omeprov" apply -f 10 -i "$inv" -l "$limit" bench/playbook.yml)")
    a+=("$(timeit ansible-playbook -i "$inv" -l "$limit" bench/playbook.yml)")
  done
  om=$(printf '%s\n' "${o[@]}" | median); am=$(printf '%s\n' "${a[@]}" | median)
  printf '%-8s %-10s %12.3f %12.3f %7.1fx\n' "$n" "re-run" "$om" "$am" "$(echo "$am / $om" | bc -l)"
done
