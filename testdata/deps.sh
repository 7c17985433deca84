#!/bin/sh
# deps.sh PKG... - install the Debian packages that are missing.
# Does nothing when all are present, or on a machine without dpkg (there,
# install libyaml, libcsv, libgit2, libsodium and pkg-config yourself).
set -e
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=
for p in "$@"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -n "$missing" ] || exit 0
echo "installing missing packages:$missing"
if [ "$(id -u)" != 0 ]; then
	sudo=sudo
else
	sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
