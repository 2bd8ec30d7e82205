#!/usr/bin/env bash
# Install and start what the integration tests need, on a fresh Debian 12 machine (root, no
# systemd): Dovecot (IMAP + LMTP), Chromium, the Telegram emulator's npm packages, PostgreSQL.
# Idempotent: when everything is there it only checks, in well under a second.
# The pytest fixtures start and stop Dovecot, the SMTP servers and the emulator themselves;
# only PostgreSQL is left running (like on python-svc machines), at
#   postgresql://postgres@127.0.0.1:5432/test      -> export LIAISON_TEST_POSTGRES_URL=that
# If PostgreSQL cannot be started, this says why and goes on: its tests are then skipped with
# that reason (written to $TMPDIR/liaison-test-postgres.status).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TG_DIR="$ROOT/tests/servers/telegram"
PG_STATUS="${TMPDIR:-/tmp}/liaison-test-postgres.status"
PG_PORT="${PGPORT:-5432}"
PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/test"
# another apt may be running (dpkg lock): wait for it rather than fail
APT=(apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)

say() { printf 'test-deps: %s\n' "$*"; }
die() { say "ERROR: $*"; exit 1; }

# --- 1. Debian packages ----------------------------------------------------------------------
packages=()
{ command -v dovecot >/dev/null && [ -x /usr/lib/dovecot/lmtp ]; } || packages+=(dovecot-imapd dovecot-lmtpd)
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
if ((${#packages[@]})); then
  [ "$(id -u)" = 0 ] || die "missing ${packages[*]}; run this script as root to install them"
  say "installing ${packages[*]} (apt; about a minute the first time)"
  # `apt-get update` takes the lists lock, which DPkg::Lock::Timeout does not cover: retry
  for try in $(seq 60); do
    "${APT[@]}" update -qq >/tmp/liaison-apt-update.log 2>&1 && break
    [ "$try" = 60 ] && die "apt-get update failed: $(tail -3 /tmp/liaison-apt-update.log)"
    sleep 5
  done
  # the packages' start scripts are refused (no init system): nothing runs afterwards, as wanted
  DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq "${packages[@]}" >/tmp/liaison-apt-install.log 2>&1 \
    || die "apt-get install ${packages[*]} failed: $(tail -5 /tmp/liaison-apt-install.log)"
  say "installed ${packages[*]}"
else
  say "dovecot, chromium, node: present"
fi

# --- 2. Telegram emulator (npm) --------------------------------------------------------------
lock_sum="$(sha256sum "$TG_DIR/package-lock.json" | cut -d' ' -f1)"
stamp="$TG_DIR/node_modules/.liaison-lock-sha256"
if [ -d "$TG_DIR/node_modules/telegram-test-api" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$lock_sum" ]; then
  say "telegram-test-api: present"
else
  say "telegram-test-api: npm ci"
  (cd "$TG_DIR" && npm ci --no-audit --no-fund --loglevel=error >/tmp/liaison-npm-ci.log 2>&1) \
    || die "npm ci in $TG_DIR failed: $(tail -5 /tmp/liaison-npm-ci.log)"
  echo "$lock_sum" >"$stamp"
fi

# --- 3. PostgreSQL on 127.0.0.1:$PGPORT (default 5432) -------------------------------------------
pg_answers() {
  if command -v pg_isready >/dev/null; then pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  else (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; fi
}
if pg_answers; then
  say "postgres: answers at $PG_URL"
  rm -f "$PG_STATUS"
elif out="$(PGPORT="$PG_PORT" "$ROOT/scripts/start-postgres.sh" 2>&1)"; then
  say "${out##*$'\n'}"
  rm -f "$PG_STATUS"
else
  reason="scripts/start-postgres.sh failed: $(printf '%s' "$out" | tail -2 | tr '\n' ' ')"
  say "WARNING: no PostgreSQL; its tests will be skipped. $reason"
  printf '%s\n' "$reason" >"$PG_STATUS"
fi
say "ready"
