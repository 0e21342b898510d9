#!/bin/sh
# The steps of an upgrade once the new release is checked out (docs/operations.md, "Upgrade
# and rollback"): dependencies, migrations, static files. Run as the portal user from the code
# folder:   sudo -u portal deploy/upgrade.sh /etc/portal/portal.env
# It loads the environment file first, as every manage.py command must: without it Django
# falls back to its local defaults and `migrate` would migrate a throwaway SQLite file.
set -eu
env_file="${1:-/etc/portal/portal.env}"
set -a
. "$env_file"
set +a
if [ -z "${DATABASE_URL:-}" ]; then
    echo "upgrade: $env_file sets no DATABASE_URL; refusing to migrate the local default" >&2
    exit 1
fi
python="${PORTAL_PYTHON:-.venv/bin/python}"
"$python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
"$python" manage.py migrate --noinput
"$python" manage.py collectstatic --noinput --verbosity 0
echo "upgrade: migrated and collected; now reload portal-web and restart the workers and beat"
