#!/bin/sh
# make dist: the source rock dist/lua-batch-<version>-1.src.rock, without network.
#
# `luarocks pack` of a git rockspec clones the repository; here the clone is a clean `git archive` of HEAD,
# laid out as `luarocks pack` lays out a git source: the rockspec and a folder named after the repository
# (lua-batch/, without .git), zipped together. `luarocks build` of that rock needs no network either.
#
#   sh tools/dist.sh              the source rock of HEAD (committed files and the committed rockspec;
#                                 a warning names uncommitted changes, which are left out)
#   sh tools/dist.sh --worktree   the same from the working tree (tracked and untracked files that git
#                                 does not ignore, the rockspec as it is): what `make test` checks, so
#                                 that the rock of the next commit is known to build before committing
#   sh tools/dist.sh rockspec     (re)writes rockspecs/lua-batch-<version>-1.rockspec from the scm
#                                 rockspec: the same file with the version
# DIST_DIR (default dist) is where the rock goes.
set -eu
cd "$(dirname "$0")/.."
VERSION=$(sed -n 's/^#define BATCH_VERSION "\(.*\)"$/\1/p' src/version.h)
NAME=lua-batch-$VERSION-1
ROCKSPEC=rockspecs/$NAME.rockspec
DIST_DIR=${DIST_DIR:-dist}

case ${1:-} in
rockspec)
  # No source tag: `make dist` bundles the sources into the rock, so `luarocks build` of it needs no
  # network and names no tag that may not exist.
  sed -e "s/^version = \"scm-1\"/version = \"$VERSION-1\"/" \
      rockspecs/lua-batch-scm-1.rockspec >"$ROCKSPEC"
  echo "$ROCKSPEC"
  exit 0
  ;;
--worktree) from=worktree ;;
'') from=head ;;
*) echo "usage: $0 [--worktree | rockspec]" >&2; exit 2 ;;
esac

git rev-parse --verify -q HEAD >/dev/null || { echo "dist: no commit to archive" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/lua-batch"
if [ "$from" = head ]; then
  git cat-file -e "HEAD:$ROCKSPEC" 2>/dev/null ||
    { echo "dist: $ROCKSPEC is not committed (src/version.h says $VERSION)" >&2; exit 1; }
  [ -z "$(git status --porcelain --untracked-files=no)" ] ||
    echo "dist: warning: uncommitted changes are not in the rock (it is made from HEAD)" >&2
  git archive --format=tar HEAD | tar -x -C "$work/lua-batch"
else
  [ -f "$ROCKSPEC" ] || { echo "dist: missing $ROCKSPEC (src/version.h says $VERSION)" >&2; exit 1; }
  # Files deleted but not yet committed are still listed by git: copy only those that exist.
  git ls-files -co --exclude-standard | while IFS= read -r f; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done | tar -c -T - -f - | tar -x -C "$work/lua-batch"
fi
rm -f "$work/lua-batch/.gitignore"
cp "$work/lua-batch/$ROCKSPEC" "$work/$NAME.rockspec"
mkdir -p "$DIST_DIR"
rm -f "$DIST_DIR/$NAME.src.rock"
(cd "$work" && zip -q -r -X "$NAME.src.rock" "$NAME.rockspec" lua-batch)
mv "$work/$NAME.src.rock" "$DIST_DIR/"
echo "$DIST_DIR/$NAME.src.rock"
