#!/usr/bin/env bash
# One entry point for a fresh Debian machine with Python 3.11 (README.md):
#   ./manage.sh serve   install what is missing, migrate, seed, serve http://127.0.0.1:8080 (embedded SQLite)
#   ./manage.sh test    install what is missing, run the whole suite on SQLite, then on PostgreSQL
# Both are safe to run again: installs are skipped when done, migrations and seeding keep existing data.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

DEBIAN_PACKAGES=(
  fonts-noto-cjk            # CJK font with a real bold face, embedded in every PDF
  libharfbuzz-subset0       # font subsetting: 0.15 s instead of 5 s per Chinese PDF (PDF_NOTES.md)
  libpango-1.0-0 libpangoft2-1.0-0   # WeasyPrint's text layout
  poppler-utils             # pdftotext/pdftoppm, used by tests to read and look at PDFs
  python3-venv
)
TEST_DEBIAN_PACKAGES=(chromium)  # the browser tests drive Debian's headless Chromium

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

install_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  # python3-venv is only needed when the interpreter lacks a working venv module (Debian's own python3).
  if [[ " ${missing[*]-} " == *" python3-venv "* ]] && python3 -c "import ensurepip, venv" 2>/dev/null; then
    missing=("${missing[@]/python3-venv}")
  fi
  local wanted=()
  for pkg in "${missing[@]-}"; do [ -n "$pkg" ] && wanted+=("$pkg"); done
  [ ${#wanted[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${wanted[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
}

install_python_packages() {
  [ -x "$PY" ] || { log "creating virtualenv .venv"; python3 -m venv "$VENV"; }
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "installing Python packages (pyproject.toml)"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e ".[test]"
    rm -f "$VENV"/.installed-* && touch "$stamp"
  fi
}

compile_translations() {
  "$VENV/bin/pybabel" compile -q -d translations 2>/dev/null || "$VENV/bin/pybabel" compile -d translations >/dev/null
}

flask() { "$VENV/bin/flask" --app app "$@"; }

case "${1:-}" in
  serve)
    install_debian_packages "${DEBIAN_PACKAGES[@]}"
    install_python_packages
    compile_translations
    log "applying migrations"
    flask db upgrade
    log "seeding the organisation and the first admin"
    flask seed
    # The schedule (overdue check, monthly draft, backups, webhook retries) needs a worker and beat. With no
    # CELERY_BROKER_URL the embedded default uses kombu's SQLAlchemy transport on a SQLite file: no server to run.
    # Docker sets a Redis URL and runs worker/beat as their own services instead.
    if [ -z "${CELERY_BROKER_URL:-}" ]; then
      mkdir -p instance
      export CELERY_BROKER_URL="sqla+sqlite:///$ROOT/instance/celery-broker.sqlite"
    fi
    CELERY_PIDS=()
    stop_background() { for pid in "${CELERY_PIDS[@]-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; wait; }
    trap stop_background EXIT INT TERM
    log "starting the Celery worker and beat (broker: ${CELERY_BROKER_URL%%://*})"
    "$VENV/bin/celery" -A app.celery_app:celery worker --concurrency 1 --loglevel INFO \
      >>instance/celery-worker.log 2>&1 &
    CELERY_PIDS+=($!)
    "$VENV/bin/celery" -A app.celery_app:celery beat --schedule instance/celerybeat-schedule --loglevel INFO \
      >>instance/celery-beat.log 2>&1 &
    CELERY_PIDS+=($!)
    log "serving on http://127.0.0.1:8080 (Ctrl-C stops the server, the worker and beat)"
    "$VENV/bin/gunicorn" --workers 2 --threads 4 --bind 127.0.0.1:8080 --access-logfile - "app:create_app()"
    ;;
  test)
    install_debian_packages "${DEBIAN_PACKAGES[@]}" "${TEST_DEBIAN_PACKAGES[@]}"
    # `flask backup` on PostgreSQL runs pg_dump (tests/test_backups.py); machines with a PostgreSQL server have it
    command -v pg_dump >/dev/null || install_debian_packages postgresql-client
    install_python_packages
    compile_translations
    shift
    log "test suite on SQLite"
    env -u TEST_DATABASE_URL "$VENV/bin/pytest" "$@"
    PG_URL=${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
    if "$PY" -c "import sys, psycopg; psycopg.connect(sys.argv[1].replace('+psycopg', ''), connect_timeout=3).close()" \
        "$PG_URL" 2>/dev/null; then
      log "test suite on PostgreSQL ($PG_URL)"
      TEST_DATABASE_URL="$PG_URL" "$VENV/bin/pytest" "$@"
    elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
      log "PostgreSQL is not reachable at $PG_URL"; exit 1
    else
      log "PostgreSQL not reachable at $PG_URL: the PostgreSQL run is skipped (set TEST_DATABASE_URL)"
    fi
    ;;
  *)
    echo "usage: ./manage.sh serve | test [pytest args]" >&2; exit 2 ;;
esac
