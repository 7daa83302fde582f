#!/usr/bin/env bash
# Installs what the syslog-ng peer of `npm run bench` needs, only what is missing:
#   /usr/sbin/syslog-ng, /usr/bin/loggen and /usr/lib/syslog-ng/<version>/  (Debian syslog-ng-core)
#   /usr/lib/syslog-ng/<version>/libhttp.so, the http() destination        (Debian syslog-ng-mod-http)
# syslog-ng-core conflicts with rsyslog (both provide system-log-daemon), which the tests use, so as
# .ci/run does, the packages are not installed with apt: their dependencies are, and the files are
# extracted from the downloaded .debs (dpkg-deb -x). No init script, unit or config is installed and no
# daemon is started: the bench runs syslog-ng in the foreground with its own config in a temp dir.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
is_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == 'install ok installed' ]]; }
module_dir() { /usr/sbin/syslog-ng --version 2>/dev/null | sed -n 's/^Module-Directory: //p'; }

need=()
if [[ ! -x /usr/sbin/syslog-ng ]] || ! command -v loggen >/dev/null; then need+=(syslog-ng-core); fi
if [[ ${#need[@]} -eq 0 ]]; then
  dir=$(module_dir)
  [[ -n "$dir" && -f "$dir/libhttp.so" ]] || need+=(syslog-ng-mod-http)
else
  need+=(syslog-ng-mod-http)
fi
if [[ ${#need[@]} -eq 0 ]]; then
  echo "syslog-ng peer: all present ($(module_dir)/libhttp.so)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
echo "syslog-ng peer: installing ${need[*]} (extracted from the .debs; their dependencies with apt)"
"${sudo[@]}" apt-get update -qq
(cd "$tmp" && apt-get download -qq "${need[@]}" 2>/dev/null)
missing=()
for deb in "$tmp"/*.deb; do
  # Depends: "a (>= 1), b | c, ..." -> "a b ..." (first alternative of each); only the missing ones,
  # and never syslog-ng-core itself (it would remove rsyslog).
  for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//' | tr -d ' '); do
    [[ $dep == syslog-ng-core ]] && continue
    is_installed "$dep" || missing+=("$dep")
  done
done
if ((${#missing[@]})); then
  "${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
fi
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
"${sudo[@]}" cp -a "$tmp/root/usr/lib/syslog-ng" /usr/lib/
if [[ -f "$tmp/root/usr/sbin/syslog-ng" ]]; then
  "${sudo[@]}" install -m 755 "$tmp/root/usr/bin/loggen" /usr/bin/loggen
  "${sudo[@]}" install -m 755 "$tmp/root/usr/sbin/syslog-ng" /usr/sbin/syslog-ng
fi
echo "syslog-ng peer: $(/usr/sbin/syslog-ng --version | sed -n 1p), modules in $(module_dir)"
