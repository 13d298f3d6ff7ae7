#!/usr/bin/env bash
# Autogenerate the next Alembic migration from the models: diff a scratch SQLite database
# migrated to head against persistence/tables.py, then format the result.
# Usage: scripts/new-migration.sh "short message"
set -euo pipefail
message=${1:?usage: scripts/new-migration.sh "short message"}
cd "$(dirname "$0")/.."
versions=persistence/migrations/versions
last=$(ls "$versions" | grep -E '^[0-9]{4}_' | sort | tail -n1 | cut -c1-4)
next=$(printf '%04d' $((10#${last:-0} + 1)))
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
url="sqlite+aiosqlite:///$scratch/scratch.db"
.venv/bin/python -c "from persistence.migrate import upgrade; upgrade('$url')"
.venv/bin/alembic -c alembic.ini -x "url=$url" revision --autogenerate \
  -m "$message" --rev-id "$next" 2>/dev/null || true
file=$(ls "$versions"/"$next"_*.py)
sed -i '/# ### .* ###/d; s/^Revises: $/Revises:/' "$file"
.venv/bin/ruff format -q "$file" && .venv/bin/ruff check --fix -q "$file"
echo "wrote $file — read it before committing"
