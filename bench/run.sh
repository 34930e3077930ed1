#!/bin/sh
# Run the benchmark end to end: install the bench-only requirements into the
# project's virtualenv, then create the database, serve, load and report.
#   bench/run.sh [--quick] [--workers N] [--rounds N] [--duration S] ...
# DATABASE_URL and REDIS_URL choose the servers (defaults: a local PostgreSQL
# database "revocable_jwt_bench" and Redis database 15). Needs wrk.
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
"$PY" -m pip install --quiet -r requirements.txt -r bench/requirements.txt
exec "$PY" -m bench "$@"
