#!/usr/bin/env bash
# Before the first release the schema lives in one initial migration: regenerate it from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f migrations/versions/*_initial_schema.py
tmp=$(mktemp -d)
DATABASE_URL="sqlite:///$tmp/regen.db" .venv/bin/flask --app overleg db migrate --rev-id 0001 -m "initial schema" >/dev/null 2>&1
rm -rf "$tmp"
ls migrations/versions
