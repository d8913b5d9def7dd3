#!/bin/sh
# The Debian packages `make bench` needs beyond those of `make test`: wrk (section f), LuaSec (the
# LuaSocket+LuaSec comparison), curl, and GNU time (curl's peak memory). Installs what is missing, as root.
set -eu
PKGS="wrk lua-sec lua-socket curl time"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "make bench: missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
  exit 1
fi
echo "make bench: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
