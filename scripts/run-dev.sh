#!/usr/bin/env bash
# Starts the web server and a Celery worker together; Ctrl-C stops both.
# The worker writes to var/log/worker.log, so that the last lines on screen
# are where the site is and how to sign in, printed once the server answers.
# HOST and PORT choose the address: PORT=9000 HOST=0.0.0.0 make run
set -euo pipefail
cd "$(dirname "$0")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
LOG_DIR="${VAR_DIR:-var}/log"
WORKER_LOG="$LOG_DIR/worker.log"
mkdir -p "$LOG_DIR"

worker_env=()
if [ "$(id -u)" -eq 0 ]; then
  # Celery warns whenever its worker runs as root (as in many containers).
  # Its real danger, unpickling messages as root, cannot happen here: the
  # worker accepts JSON only (CELERY_ACCEPT_CONTENT), and Celery refuses to
  # start as root with pickle whatever this says. For a local run the
  # warning is noise.
  # (By its message: a -W filter cannot name Celery's warning class.)
  worker_env+=(PYTHONWARNINGS="ignore:You're running the worker with superuser privileges")
fi

# Each in its own process group (setsid): the server's group is stopped
# whole (the autoreloader's child with it); the worker is asked to stop and
# stops its own pool.
env "${worker_env[@]}" setsid .venv/bin/celery -A cms worker --beat \
  --queues default,transcode --loglevel INFO \
  --concurrency "${WORKER_CONCURRENCY:-2}" >>"$WORKER_LOG" 2>&1 &
WORKER_PID=$!
setsid .venv/bin/python manage.py runserver "${HOST}:${PORT}" &
SERVER_PID=$!

stop() {
  trap - EXIT INT TERM
  kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
  kill -TERM "$WORKER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# Until the server answers (the address it listens on; 0.0.0.0 is reached
# through the loopback).
PROBE_HOST="$HOST"
[ "$HOST" = "0.0.0.0" ] && PROBE_HOST=127.0.0.1
for _ in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID"; exit $?; }
  if (exec 3<>"/dev/tcp/${PROBE_HOST}/${PORT}") 2>/dev/null; then
    break
  fi
  sleep 0.2
done

PASSWORD="${DEMO_ADMIN_PASSWORD:-$(cat "${VAR_DIR:-var}/demo-admin-password" 2>/dev/null || echo '(see load_demo above)')}"
echo
echo "  后台任务日志 / worker log: ${WORKER_LOG}"
echo "  网站 / site:   http://${HOST}:${PORT}/"
echo "  后台 / admin:  http://${HOST}:${PORT}/admin/"
echo "  登录 / login:  admin / ${PASSWORD}"
echo
wait "$SERVER_PID"
