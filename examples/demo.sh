#!/bin/sh
# `make demo`: drives the `batch` command line against the bundled emulator: shows a campaign, creates a
# CSV export, waits for it (with a progress line when stderr is a terminal), downloads it, prints its
# first rows. The emulator is started in a temporary folder and stopped at the end.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'bin/batch-mock stop --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
url=$(bin/batch-mock start --background --dir "$dir")
echo "emulator at $url" >&2
set -a
. "$dir/mock.env"
set +a
# Exports of this emulator finish after 2 s (instead of 3) and hold 100 000 rows (about 6 MB).
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"pending_after": 0.5, "done_after": 2, "rows": 100000}' "$BATCH_BASE_URL/_mock/exports/config"

# step TEXT: a heading on stderr, so that stdout holds only what `batch` prints.
step() { printf '\n$ %s\n' "$*" >&2; }

step "batch campaign list --limit 3 --csv"
bin/batch campaign list --limit 3 --csv

token=$(bin/batch campaign list --limit 1 --live true --compact | sed -n 's/.*"campaign_token":"\([^"]*\)".*/\1/p')
step "batch campaign get $token --pretty"
bin/batch campaign get "$token" --pretty

step "batch export create --campaign $token --from 2019-08-14T22:00:00 --events push_sent,push_open --ids install_id,custom_id"
id=$(bin/batch export create --campaign "$token" --from 2019-08-14T22:00:00 \
       --events push_sent,push_open --ids install_id,custom_id --compact | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
echo "export id: $id"

step "batch export wait $id --interval 0.5"
bin/batch export wait "$id" --interval 0.5 --pretty

step "batch export download $id $dir/export.csv"
bin/batch export download "$id" "$dir/export.csv"

step "batch export rows $id --limit 5 --csv"
bin/batch export rows "$id" --limit 5 --csv

step "batch campaign get no-such-token   (an API error: exit status 1, one line on stderr)"
bin/batch campaign get no-such-token || echo "exit status $?"
