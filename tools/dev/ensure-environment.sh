#!/usr/bin/env bash
# Brings a fresh Debian machine to where the demo and the tests run: the Debian packages they
# need, PostgreSQL and NATS (JetStream) up on 127.0.0.1, and node_modules matching the lockfile.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

apt_packages=()
command -v nats-server >/dev/null || apt_packages+=(nats-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
command -v pg_isready >/dev/null || apt_packages+=(postgresql-client)
# VICIdial's database is MariaDB/MySQL: the tests and the demo stand one up in it.
command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || apt_packages+=(mariadb-server)
# The browser tests drive Debian's Chromium; the example AI backend is FastAPI from Debian.
command -v chromium >/dev/null || apt_packages+=(chromium)
for package in python3-fastapi python3-uvicorn python3-websockets; do
  dpkg -s "$package" >/dev/null 2>&1 || apt_packages+=("$package")
done
if ((${#apt_packages[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages: ${apt_packages[*]} (run as root, or install them)" >&2
    exit 1
  fi
  log "installing ${apt_packages[*]}"
  # Another apt-get (an image's own updates) may hold the dpkg lock for a while: wait for it.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    "${apt_packages[@]}" >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
fi

maria_up() { mariadb-admin -uroot -h127.0.0.1 --connect-timeout=2 ping >/dev/null 2>&1; }
if ! maria_up; then
  log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 30); do maria_up && break; sleep 1; done
  maria_up || { echo "MariaDB did not start on 127.0.0.1:3306 (root, no password)" >&2; exit 1; }
fi

nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
if ! nats_up; then
  log "starting NATS with JetStream"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for _ in $(seq 1 30); do nats_up && break; sleep 0.5; done
  nats_up || { echo "NATS did not start on 127.0.0.1:4222" >&2; exit 1; }
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

# JetStream must be on: the services keep call events in a stream.
node -e "
const { connect } = require('nats');
connect({ servers: 'nats://127.0.0.1:4222' })
  .then(async (nc) => { await (await nc.jetstreamManager()).getAccountInfo(); await nc.close(); })
  .catch((e) => { console.error('NATS on 127.0.0.1:4222 has no JetStream: ' + e.message); process.exit(1); });
"
log "environment ready: PostgreSQL, MariaDB and NATS (JetStream) on 127.0.0.1"
