#!/bin/sh
# Cron wrapper, as the old altbackup.sh: truncate the log, run the command
# with all its output in the log, and mail the log to $MAILTO when the
# command exits non-zero. Prints nothing itself, so cron sends no second mail.
#
#   altbackup-cron.sh LOGFILE COMMAND [ARG...]
#   e.g. altbackup-cron.sh /var/log/altbackup/pull.log altbackup dump pull purge_target
#
# Mail goes through `mail` (bsd-mailx, mailutils) when installed, else
# `sendmail` (any MTA); with neither, a line on stderr says where the log is.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 LOGFILE COMMAND [ARG...]" >&2
  exit 2
fi
log=$1
shift

mkdir -p "$(dirname "$log")" || exit 1
: > "$log" || exit 1
echo "=== $(date '+%Y-%m-%d %H:%M:%S %Z') $(hostname) start: $*" >> "$log"
"$@" >> "$log" 2>&1
rc=$?
echo "=== $(date '+%Y-%m-%d %H:%M:%S %Z') exit $rc" >> "$log"

if [ "$rc" -ne 0 ] && [ -n "${MAILTO:-}" ]; then
  subject="altbackup FAILURE (exit $rc) on $(hostname): $*"
  if command -v mail >/dev/null 2>&1; then
    mail -s "$subject" "$MAILTO" < "$log"
  else
    sendmail=$(command -v sendmail 2>/dev/null || true)
    [ -z "$sendmail" ] && [ -x /usr/sbin/sendmail ] && sendmail=/usr/sbin/sendmail
    if [ -n "$sendmail" ]; then
      { printf 'To: %s\nSubject: %s\n\n' "$MAILTO" "$subject"; cat "$log"; } | "$sendmail" -t
    else
      echo "altbackup-cron: exit $rc, but neither mail nor sendmail is installed; see $log" >&2
    fi
  fi
fi
exit "$rc"
