#!/usr/bin/env bash
# Start (or reuse) a private MariaDB server for the tests: Debian's mariadb-server, its own data
# directory under var/, a unix socket, no network, running as root (no systemd here).
# Prints the socket path on stdout; everything else goes to stderr. `mariadb.sh stop` stops it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
base="$root/var/mariadb"
sock="$base/mysqld.sock"
if [ "${1:-}" = "stop" ]; then
    if [ -S "$sock" ]; then
        mariadb-admin --socket="$sock" -uroot shutdown >/dev/null 2>&1 || true
    fi
    exit 0
fi
if ! command -v mariadbd >/dev/null 2>&1; then
    echo "installing mariadb-server ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq mariadb-server >&2
fi
if [ -S "$sock" ] && mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; then
    echo "$sock"
    exit 0
fi
mkdir -p "$base"
if [ ! -d "$base/data/mysql" ]; then
    mariadb-install-db --datadir="$base/data" --user=root --auth-root-authentication-method=socket \
        --skip-test-db >"$base/install.log" 2>&1 || { cat "$base/install.log" >&2; exit 1; }
fi
nohup mariadbd --datadir="$base/data" --socket="$sock" --pid-file="$base/mysqld.pid" --skip-networking \
    --user=root --innodb-buffer-pool-size=256M --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --log-error="$base/error.log" >/dev/null 2>&1 &
for _ in $(seq 1 100); do
    if mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; then
        echo "$sock"
        exit 0
    fi
    sleep 0.2
done
echo "MariaDB did not start; see $base/error.log:" >&2
tail -20 "$base/error.log" >&2
exit 1
