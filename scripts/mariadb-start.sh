#!/bin/sh
# mariadb-start.sh DIR — start a private MariaDB server for the database tests and CI.
#
# Uses Debian's mariadbd (apt-get install -y mariadb-server); the system service is not touched.
# Everything lives under DIR: data/, mariadb.sock, mariadb.pid, mariadb.log, port and
# skypanel.password. The server listens on 127.0.0.1 only, on $SKYPANEL_TEST_MYSQL_PORT
# (default 33306; the port chosen first is kept in DIR/port). root@localhost has no password
# and is reachable only through the private socket; the tests use the administrator
# skypanel@'%' (ALL PRIVILEGES ... WITH GRANT OPTION) over TCP.
#
# Idempotent: when the server recorded in DIR/mariadb.pid still answers, it only prints the
# environment. Runs as root or as any user owning DIR. Prints on stdout:
#   export SKYPANEL_TEST_MYSQL_DSN='skypanel:<password>@tcp(127.0.0.1:<port>)/'
# so use it as:
#   eval "$(scripts/mariadb-start.sh /tmp/skypanel-mariadb)"
#   go test ./server/ -run Database
#   scripts/mariadb-stop.sh /tmp/skypanel-mariadb --purge
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
for b in mariadbd mariadb-install-db mariadb mariadb-admin; do
	command -v "$b" >/dev/null || { echo "$0: $b not found (apt-get install -y mariadb-server)" >&2; exit 1; }
done
mkdir -p "$1"
dir=$(cd "$1" && pwd)
sock="$dir/mariadb.sock"
pidfile="$dir/mariadb.pid"
log="$dir/mariadb.log"
chmod 0700 "$dir"
# As root, mariadbd must be told to stay root (the data folder is root's); otherwise it runs
# as the calling user.
asuser=
[ "$(id -u)" -ne 0 ] || asuser=--user=root

if [ -s "$dir/port" ]; then
	port=$(cat "$dir/port")
else
	port=${SKYPANEL_TEST_MYSQL_PORT:-33306}
fi

rootsql() { mariadb --no-defaults --protocol=socket --socket="$sock" -uroot --batch --skip-column-names "$@"; }
answers() { mariadb-admin --no-defaults --protocol=socket --socket="$sock" -uroot --connect-timeout=1 ping >/dev/null 2>&1; }
alive() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if ! alive || ! answers; then
	if command -v ss >/dev/null && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
		echo "$0: 127.0.0.1:$port is already in use; set SKYPANEL_TEST_MYSQL_PORT (or remove $dir/port)" >&2
		exit 1
	fi
	if [ ! -d "$dir/data/mysql" ]; then
		rm -rf "$dir/data"
		mariadb-install-db --no-defaults --datadir="$dir/data" $asuser \
			--auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >>"$log" 2>&1 || {
			echo "$0: mariadb-install-db failed; last log lines:" >&2
			tail -n 20 "$log" >&2
			exit 1
		}
	fi
	rm -f "$sock" "$pidfile"
	# setsid: the server must not die with the calling shell or test runner. The settings trade
	# durability for speed: this server only holds throw-away test data.
	setsid mariadbd --no-defaults $asuser --datadir="$dir/data" --socket="$sock" \
		--pid-file="$pidfile" --log-error="$log" --bind-address=127.0.0.1 --port="$port" \
		--skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		--innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
		--sync-frm=0 --skip-log-bin </dev/null >/dev/null 2>&1 &
	i=0
	until answers; do
		i=$((i + 1))
		if [ $i -ge 600 ]; then
			echo "$0: mariadbd did not answer within 30 s; last log lines:" >&2
			tail -n 20 "$log" >&2
			exit 1
		fi
		if [ $i -gt 20 ] && ! alive; then
			echo "$0: mariadbd exited; last log lines:" >&2
			tail -n 20 "$log" >&2
			exit 1
		fi
		sleep 0.05
	done
	echo "$port" > "$dir/port"
fi

pwfile="$dir/skypanel.password"
if [ ! -s "$pwfile" ]; then
	(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$pwfile")
fi
pw=$(cat "$pwfile")
# Anonymous accounts would shadow skypanel@'%' for local clients, and mariadb-install-db leaves
# password-less root accounts reachable over TCP: drop both (root@localhost stays, socket only).
# The password is [A-Za-z0-9] only, so it needs no escaping inside the quotes.
anon=$(rootsql -e "SELECT CONCAT(QUOTE(User),'@',QUOTE(Host)) FROM mysql.user
	WHERE User='' OR (User='root' AND Host<>'localhost')" | paste -sd, -)
[ -z "$anon" ] || rootsql -e "DROP USER $anon"
rootsql -e "CREATE USER IF NOT EXISTS 'skypanel'@'%' IDENTIFIED BY '$pw';
ALTER USER 'skypanel'@'%' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO 'skypanel'@'%' WITH GRANT OPTION;"
echo "export SKYPANEL_TEST_MYSQL_DSN='skypanel:$pw@tcp(127.0.0.1:$port)/'"
