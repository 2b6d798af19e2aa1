#!/bin/sh
# Run by altbackup-notify@.service (OnFailure=) with the failed unit's name:
# mails its status and the last journal lines to $MAILTO, through `mail` when
# installed, else `sendmail`. Installed as /usr/local/lib/altbackup/altbackup-unit-failed.
set -u
unit=${1:?usage: altbackup-unit-failed UNIT}
to=${MAILTO:-root}
subject="altbackup FAILURE on $(hostname): $unit"
report() {
  systemctl status --full --no-pager "$unit" 2>&1
  echo
  journalctl --unit "$unit" --since -1d --lines 300 --no-pager --output short-iso 2>&1
}
if command -v mail >/dev/null 2>&1; then
  report | mail -s "$subject" "$to"
else
  sendmail=$(command -v sendmail 2>/dev/null || echo /usr/sbin/sendmail)
  if [ ! -x "$sendmail" ]; then
    echo "altbackup-unit-failed: neither mail nor sendmail is installed; $unit failed" >&2
    exit 1
  fi
  { printf 'To: %s\nSubject: %s\n\n' "$to" "$subject"; report; } | "$sendmail" -t
fi
