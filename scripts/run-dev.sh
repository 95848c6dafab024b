#!/usr/bin/env bash
# Starts the web server and a Celery worker together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

.venv/bin/celery -A cms worker --beat --queues default,transcode --loglevel INFO \
  --concurrency "${WORKER_CONCURRENCY:-2}" &
WORKER_PID=$!
stop() {
  kill "$WORKER_PID" 2>/dev/null || true
  wait "$WORKER_PID" 2>/dev/null || true
}
trap stop EXIT INT TERM

echo
echo "  网站 / site:   http://${HOST}:${PORT}/"
echo "  后台 / admin:  http://${HOST}:${PORT}/admin/"
PASSWORD="${DEMO_ADMIN_PASSWORD:-$(cat var/demo-admin-password 2>/dev/null || echo '(see load_demo above)')}"
echo "  登录 / login:  admin / ${PASSWORD}"
echo
.venv/bin/python manage.py runserver "${HOST}:${PORT}"
