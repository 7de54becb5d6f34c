#!/bin/sh
# docker-compose.yml's one-shot `temporal-schema` job (temporalio/admin-tools): Temporal's two
# databases on the shared PostgreSQL, created if missing and brought up to the schema of the server
# image they are pinned with. The same steps auto-setup ran at every start, done once, before the
# server starts. Safe to run again: an up-to-date schema is left as it is.
set -eu
for db in temporal temporal_visibility; do
  case "$db" in temporal) dir=temporal ;; *) dir=visibility ;; esac
  tool="temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u $POSTGRES_USER --pw $POSTGRES_PWD --db $db"
  $tool create-database 2>/dev/null || echo "database $db exists"
  $tool setup-schema -v 0.0
  $tool update-schema -d "/etc/temporal/schema/postgresql/v12/$dir/versioned"
done
