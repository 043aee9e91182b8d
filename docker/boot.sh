#!/bin/sh
# Entrypoint of the portal image. The first argument is the role:
#   web     wait for the database, migrate, seed, compile translations, then serve with gunicorn on :8080
#   worker  Celery worker (PDF rendering and other background tasks)
#   beat    Celery beat (periodic tasks); its schedule file lives under /srv/portal/var
#   other   run the given command as is (e.g. `docker compose run --rm web flask --app app shell`)
set -eu

cd /srv/portal

wait_for_db() {
    timeout="${DB_WAIT_TIMEOUT:-60}"
    python - "$timeout" <<'PY'
import os
import sys
import time

url = os.environ.get("DATABASE_URL")
if not url:
    sys.exit(0)  # embedded SQLite set-up: nothing to wait for
from sqlalchemy import create_engine, text

deadline = time.monotonic() + float(sys.argv[1])
engine = create_engine(url, pool_pre_ping=True)
while True:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        break
    except Exception as exc:  # noqa: BLE001 - any connection error means "not yet"
        if time.monotonic() > deadline:
            print(f"boot: database not reachable: {exc}", file=sys.stderr)
            sys.exit(1)
        print("boot: waiting for the database ...", file=sys.stderr)
        time.sleep(2)
engine.dispose()
PY
}

compile_translations() {
    if ls translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then
        pybabel compile -d translations
    else
        echo "boot: no .po catalogs under translations/, nothing to compile" >&2
    fi
}

role="${1:-web}"

case "$role" in
    web)
        wait_for_db
        flask --app app db upgrade
        flask --app app seed
        compile_translations
        exec gunicorn -w "${WEB_CONCURRENCY:-4}" -b 0.0.0.0:8080 --access-logfile - "app:create_app()"
        ;;
    worker)
        mkdir -p "${DOCUMENTS_DIR:-/srv/portal/var/documents}"
        exec celery -A app.celery_app:celery worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}"
        ;;
    beat)
        mkdir -p /srv/portal/var
        exec celery -A app.celery_app:celery beat --loglevel=INFO --schedule /srv/portal/var/celerybeat-schedule
        ;;
    *)
        exec "$@"
        ;;
esac
