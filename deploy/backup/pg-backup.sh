#!/bin/sh
# Whole-platform backups, run by the compose `backup` service (postgres:15 image) as the
# database owner: every BACKUP_INTERVAL_SECONDS, one `pg_dump --format=custom` of the whole
# database (one snapshot: every tenant schema, platform, billing, notifier, outbox) and the
# roles it needs (`pg_dumpall --roles-only`, tenant roles included), keeping the newest
# BACKUP_KEEP of each. Files are written 0600 (umask 077) under a temporary name and renamed
# when complete, so a half-written dump never counts as a backup. Restore: README, "Backups".
#
#   pg-backup.sh          loop forever (the service)
#   pg-backup.sh once     one backup now, then retention
#   pg-backup.sh check    healthy when the newest dump is younger than two intervals
set -eu
umask 077

dir="${BACKUP_DIR:-/backups}"
interval="${BACKUP_INTERVAL_SECONDS:-86400}"
keep="${BACKUP_KEEP:-7}"
database="${PGDATABASE:-bookbots}"

take() {
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    base="$dir/bookbots-$stamp"
    pg_dumpall --roles-only --no-role-passwords --file="$base.roles.sql.partial"
    pg_dump --format=custom --dbname="$database" --file="$base.dump.partial"
    mv "$base.roles.sql.partial" "$base.roles.sql"
    mv "$base.dump.partial" "$base.dump"
    echo "backup: $base.dump ($(wc -c < "$base.dump") bytes)"
}

prune() {
    # names sort by time; drop all but the newest $keep dumps and their roles files
    ls -1 "$dir"/bookbots-*.dump 2>/dev/null | sort -r | tail -n +"$((keep + 1))" |
        while read -r old; do
            rm -f "$old" "${old%.dump}.roles.sql"
            echo "backup: removed $old (keeping $keep)"
        done
}

check() {
    newest="$(ls -1 "$dir"/bookbots-*.dump 2>/dev/null | sort -r | head -n 1)"
    [ -n "$newest" ] || exit 1
    age=$(( $(date +%s) - $(date -r "$newest" +%s) ))
    [ "$age" -lt $((2 * interval)) ]
}

mkdir -p "$dir"
case "${1:-loop}" in
    once) take; prune ;;
    check) check ;;
    loop)
        while true; do
            take || echo "backup: FAILED, retrying at the next interval" >&2
            prune
            sleep "$interval"
        done
        ;;
    *) echo "usage: $0 [loop|once|check]" >&2; exit 2 ;;
esac
