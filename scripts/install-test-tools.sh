#!/usr/bin/env bash
# Debian tools the tests drive as real clients (curl, wget, aria2c, openssl,
# sqlite3, tar, /usr/bin/time), systemd-analyze for the unit files,
# chromium for the report page, Subversion, whose svnadmin makes the
# sample svn tarballs, what builds and checks the Debian package
# (dpkg-shlibdeps, help2man, strip, lintian, man to read its pages) and
# promtool (Debian's prometheus package) for the alert rules. Installed only when missing; needs root or
# passwordless sudo. Arguments narrow the list to the given command:package
# pairs (the demo needs only svnadmin:subversion).
set -euo pipefail
pairs=("$@")
[ ${#pairs[@]} -eq 0 ] && pairs=(curl:curl wget:wget aria2c:aria2 openssl:openssl sqlite3:sqlite3 tar:tar /usr/bin/time:time systemd-analyze:systemd chromium:chromium svnadmin:subversion dpkg-shlibdeps:dpkg-dev help2man:help2man strip:binutils lintian:lintian man:man-db promtool:prometheus)
need=()
for pair in "${pairs[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
echo "installing test tools: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
