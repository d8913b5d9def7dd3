#!/bin/sh
# make install / make uninstall: lua-batch into PREFIX (default /usr/local), under DESTDIR when set.
#
#   PREFIX/share/lua/<v>/batch/...     the Lua modules (<v>: LUA_VERSION, default 5.4)
#   PREFIX/lib/lua/<v>/batch/core.so   the C core built for that Lua (make build)
#   PREFIX/bin/batch, batch-mock       the command line and the emulator's launcher (each finds its
#                                      modules and files from its own place: no LUA_PATH needed)
#   PREFIX/share/lua-batch/mock/       the emulator's files
#   PREFIX/share/bash-completion/completions/batch, PREFIX/share/zsh/site-functions/_batch
#   PREFIX/share/lua-batch/installed   the list of what was installed, which `uninstall` removes
set -eu
cd "$(dirname "$0")/.."
what=${1:?usage: install.sh install|uninstall}
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
V=${LUA_VERSION:-5.4}
top=$DESTDIR$PREFIX
manifest=$top/share/lua-batch/installed

# put SRC DEST MODE: copies one file, creating its folder, and records it.
put() {
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2"
  chmod "$3" "$2"
  echo "$2" >>"$manifest.new"
}

case $what in
install)
  core=build/$V/batch/core.so
  [ -f "$core" ] || { echo "install: no $core (make build LUA_VERSION=$V first)" >&2; exit 1; }
  mkdir -p "$top/share/lua-batch"
  : >"$manifest.new"
  for f in $(git ls-files -co --exclude-standard 'lua/*.lua' 2>/dev/null || find lua -name '*.lua'); do
    put "$f" "$top/share/lua/$V/${f#lua/}" 644
  done
  put "$core" "$top/lib/lua/$V/batch/core.so" 755
  put bin/batch "$top/bin/batch" 755
  put bin/batch-mock "$top/bin/batch-mock" 755
  for f in $(git ls-files -co --exclude-standard 'mock/*' 2>/dev/null || find mock -type f); do
    put "$f" "$top/share/lua-batch/$f" 644
  done
  put completions/batch.bash "$top/share/bash-completion/completions/batch" 644
  put completions/_batch "$top/share/zsh/site-functions/_batch" 644
  mv "$manifest.new" "$manifest"
  echo "installed lua-batch into $top ($(wc -l <"$manifest") files; make uninstall PREFIX=$PREFIX removes them)"
  ;;
uninstall)
  [ -f "$manifest" ] || { echo "uninstall: nothing installed in $top (no $manifest)"; exit 0; }
  while read -r f; do rm -f "$f"; done <"$manifest"
  rm -f "$manifest"
  # the folders the install made, when they are empty now
  find "$top/share/lua/$V/batch" "$top/lib/lua/$V/batch" "$top/share/lua-batch" -depth -type d -empty \
       -exec rmdir {} \; 2>/dev/null || true
  echo "uninstalled lua-batch from $top"
  ;;
*) echo "usage: install.sh install|uninstall" >&2; exit 2 ;;
esac
