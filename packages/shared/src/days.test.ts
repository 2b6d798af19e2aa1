import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_SINCE_DAYS, addDays, assertTimezone, dayDiff, daysEndingAt, isCalendarDate, localDateTime, machineTimezone, parseDay, parseSince,
  selectDays, todayIn, wallClockIn,
} from './days.js';
import { AltError, ExitCode } from './errors.js';

const at = (iso: string) => new Date(iso);
const taipei = { timezone: 'Asia/Taipei', now: at('2013-05-29T20:00:00Z') };
const utc = { timezone: 'UTC', now: at('2013-05-29T20:00:00Z') };

function usage(code: string, ...mentions: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof AltError);
    assert.equal(e.code, code);
    assert.equal(e.exitCode, ExitCode.usage);
    for (const m of mentions) assert.ok(e.message.includes(m), `${e.message} mentions ${m}`);
    return true;
  };
}

describe('wall clock', () => {
  it('reads the clock of the timezone, midnight as hour 0', () => {
    assert.deepEqual(wallClockIn('Asia/Taipei', at('2013-05-29T16:00:02Z')), { year: 2013, month: 5, day: 30, hour: 0, minute: 0, second: 2 });
    assert.deepEqual(wallClockIn('UTC', Date.parse('2013-05-29T23:59:59.900Z')), { year: 2013, month: 5, day: 29, hour: 23, minute: 59, second: 59 });
  });

  it('localDateTime prints it for people', () => {
    assert.equal(localDateTime(Date.parse('2013-05-29T05:00:02Z'), 'Asia/Taipei'), '2013-05-29 13:00:02');
    assert.equal(localDateTime(Date.parse('2013-11-03T05:30:00Z'), 'America/New_York'), '2013-11-03 01:30:00'); // the second 01:30, EST
    // 24-hour and zero-padded, midnight as 00.
    assert.equal(localDateTime(Date.UTC(2013, 4, 29, 11, 0, 2), 'Europe/Berlin'), '2013-05-29 13:00:02');
    assert.equal(localDateTime(Date.UTC(2024, 0, 1, 0, 5, 9), 'UTC'), '2024-01-01 00:05:09');
    assert.equal(localDateTime(Date.UTC(2024, 0, 1, 0, 5, 9), 'Asia/Taipei'), '2024-01-01 08:05:09');
  });
});

describe('isCalendarDate', () => {
  it('knows month lengths and leap years, and the years folders may carry', () => {
    assert.equal(isCalendarDate(2024, 2, 29), true);
    assert.equal(isCalendarDate(2023, 2, 29), false);
    assert.equal(isCalendarDate(2023, 4, 31), false);
    assert.equal(isCalendarDate(2023, 13, 1), false);
    assert.equal(isCalendarDate(2023, 1, 0), false);
    assert.equal(isCalendarDate(1969, 12, 31), false);
  });
});

describe('todayIn', () => {
  it('is the calendar day of the configured timezone', () => {
    assert.equal(todayIn(taipei), '2013/05/30');
    assert.equal(todayIn(utc), '2013/05/29');
    assert.equal(todayIn({ timezone: 'America/Los_Angeles', now: at('2013-05-29T20:00:00Z') }), '2013/05/29');
    assert.equal(todayIn({ timezone: 'Pacific/Kiritimati', now: at('2013-05-29T20:00:00Z') }), '2013/05/30');
  });

  it('changes at local midnight', () => {
    assert.equal(todayIn({ timezone: 'Asia/Taipei', now: at('2013-05-29T15:59:59Z') }), '2013/05/29');
    assert.equal(todayIn({ timezone: 'Asia/Taipei', now: at('2013-05-29T16:00:00Z') }), '2013/05/30');
  });

  it('follows DST in America/New_York (2013-03-10 spring forward, 2013-11-03 fall back)', () => {
    const ny = (iso: string) => todayIn({ timezone: 'America/New_York', now: at(iso) });
    assert.equal(ny('2013-03-10T04:59:59Z'), '2013/03/09'); // 23:59:59 EST
    assert.equal(ny('2013-03-10T05:00:00Z'), '2013/03/10'); // 00:00 EST
    assert.equal(ny('2013-03-11T03:59:59Z'), '2013/03/10'); // 23:59:59 EDT: the 23-hour day
    assert.equal(ny('2013-03-11T04:00:00Z'), '2013/03/11'); // 00:00 EDT
    assert.equal(ny('2013-11-04T04:59:59Z'), '2013/11/03'); // 23:59:59 EST: the 25-hour day
    assert.equal(ny('2013-11-04T05:00:00Z'), '2013/11/04');
  });

  it('uses the real clock when no now is given', () => {
    assert.match(todayIn({ timezone: 'UTC' }), /^\d{4}\/\d{2}\/\d{2}$/);
  });
});

describe('parseDay', () => {
  it('nothing, empty or today means today', () => {
    assert.equal(parseDay(undefined, taipei), '2013/05/30');
    assert.equal(parseDay('', taipei), '2013/05/30');
    assert.equal(parseDay('today', taipei), '2013/05/30');
    assert.equal(parseDay('0', utc), '2013/05/29');
    assert.equal(parseDay('-0', utc), '2013/05/29');
  });

  it('-N is N days ago in the configured timezone', () => {
    assert.equal(parseDay('-1', taipei), '2013/05/29');
    assert.equal(parseDay('-1', utc), '2013/05/28');
    assert.equal(parseDay('-7', utc), '2013/05/22');
  });

  it('-N crosses month, leap-day and year boundaries', () => {
    const on = (iso: string) => ({ timezone: 'UTC', now: at(iso) });
    assert.equal(parseDay('-1', on('2013-03-01T12:00:00Z')), '2013/02/28');
    assert.equal(parseDay('-1', on('2012-03-01T12:00:00Z')), '2012/02/29');
    assert.equal(parseDay('-1', on('2013-01-01T12:00:00Z')), '2012/12/31');
    assert.equal(parseDay('-31', on('2013-05-01T12:00:00Z')), '2013/03/31');
    assert.equal(parseDay('-365', on('2013-05-29T12:00:00Z')), '2012/05/29');
  });

  it('-N across a DST change counts calendar days, not 24 h periods', () => {
    // 23:30 EDT on 2013-03-11 (03:30Z on the 12th): one day back is the 10th, two is the 9th.
    const ctx = { timezone: 'America/New_York', now: at('2013-03-12T03:30:00Z') };
    assert.equal(parseDay('', ctx), '2013/03/11');
    assert.equal(parseDay('-1', ctx), '2013/03/10');
    assert.equal(parseDay('-2', ctx), '2013/03/09');
    // 00:30 EDT on 2013-03-11: still the 11th, though only 23.5 h since the 10th began.
    const early = { timezone: 'America/New_York', now: at('2013-03-11T04:30:00Z') };
    assert.equal(parseDay('-1', early), '2013/03/10');
  });

  it('YYYY/MM/DD and YYYY-MM-DD give the layout form', () => {
    assert.equal(parseDay('2013/05/01', utc), '2013/05/01');
    assert.equal(parseDay('2013-05-01', utc), '2013/05/01');
    assert.equal(parseDay('2012-02-29', utc), '2012/02/29');
    assert.equal(parseDay(' 2013/05/01 ', utc), '2013/05/01');
  });

  const rejected = [
    '2013/02/30', '2013-02-29', '2013/13/01', '2013/00/10', '2013/05/32', '1969/12/31',
    '2013/5/1', '2013-5-1', '13/05/01', '20130501', '2013-05/01', '2013/05-01', '2013/05/01/',
    'yesterday', 'Today', '+1', '1', '-', '--1', '-1d', '- 1', '1 day ago', '2013.05.01',
  ];
  for (const spec of rejected) {
    it(`rejects ${JSON.stringify(spec)} with a usage error that quotes it`, () => {
      assert.throws(() => parseDay(spec, utc), usage('bad-day', JSON.stringify(spec)));
    });
  }

  it('says which forms it accepts', () => {
    assert.throws(() => parseDay('yesterday', utc), usage('bad-day', '-N', 'YYYY/MM/DD', 'YYYY-MM-DD'));
  });
});

describe('parseSince', () => {
  it('accepts whole numbers from 1 to MAX_SINCE_DAYS', () => {
    assert.equal(parseSince('1'), 1);
    assert.equal(parseSince(' 7 '), 7);
    assert.equal(parseSince(3), 3);
    assert.equal(parseSince(String(MAX_SINCE_DAYS)), MAX_SINCE_DAYS);
  });

  for (const bad of ['0', '-1', String(MAX_SINCE_DAYS + 1), '1.5', 'x', '', '3d', '1e2', 0, 1.5, -2, Number.NaN]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseSince(bad), usage('bad-since', String(MAX_SINCE_DAYS)));
    });
  }
});

describe('selectDays', () => {
  it('neither option: today only', () => {
    assert.deepEqual(selectDays({}, taipei), ['2013/05/30']);
  });

  it('--day gives that one day', () => {
    assert.deepEqual(selectDays({ day: '-1' }, taipei), ['2013/05/29']);
    assert.deepEqual(selectDays({ day: '2013-01-02' }, taipei), ['2013/01/02']);
  });

  it('--since N: the last N days, today included, oldest first', () => {
    assert.deepEqual(selectDays({ since: '3' }, taipei), ['2013/05/28', '2013/05/29', '2013/05/30']);
    assert.deepEqual(selectDays({ since: 1 }, utc), ['2013/05/29']);
  });

  it('--since crosses a year boundary', () => {
    assert.deepEqual(selectDays({ since: 3 }, { timezone: 'UTC', now: at('2013-01-01T00:00:00Z') }), ['2012/12/30', '2012/12/31', '2013/01/01']);
  });

  it('--since across a DST change lists each calendar day once', () => {
    const ctx = { timezone: 'America/New_York', now: at('2013-03-12T03:30:00Z') };
    assert.deepEqual(selectDays({ since: 4 }, ctx), ['2013/03/08', '2013/03/09', '2013/03/10', '2013/03/11']);
    const fall = { timezone: 'America/New_York', now: at('2013-11-05T04:30:00Z') };
    assert.deepEqual(selectDays({ since: 3 }, fall), ['2013/11/02', '2013/11/03', '2013/11/04']);
  });

  it('--day together with --since is a usage error', () => {
    assert.throws(() => selectDays({ day: '-1', since: '3' }, utc), usage('bad-days', '--day', '--since'));
  });

  it('empty strings count as not given', () => {
    assert.deepEqual(selectDays({ day: '', since: '' }, utc), ['2013/05/29']);
    assert.deepEqual(selectDays({ day: '', since: '2' }, utc), ['2013/05/28', '2013/05/29']);
  });

  it('a bad --since or --day surfaces its own error', () => {
    assert.throws(() => selectDays({ since: '0' }, utc), usage('bad-since'));
    assert.throws(() => selectDays({ day: 'yesterday' }, utc), usage('bad-day'));
  });
});

describe('calendar arithmetic', () => {
  it('addDays', () => {
    assert.equal(addDays('2013/02/28', 1), '2013/03/01');
    assert.equal(addDays('2012/02/28', 1), '2012/02/29');
    assert.equal(addDays('2013/12/31', 1), '2014/01/01');
    assert.equal(addDays('2013/03/10', -1), '2013/03/09');
    assert.equal(addDays('2013/05/29', 0), '2013/05/29');
  });

  it('dayDiff is b - a in whole days, and inverts addDays', () => {
    assert.equal(dayDiff('2013/05/29', '2013/05/30'), 1);
    assert.equal(dayDiff('2013/05/30', '2013/05/29'), -1);
    assert.equal(dayDiff('2012/12/31', '2013/03/01'), 60);
    assert.equal(dayDiff('2013/03/09', '2013/03/11'), 2);
    for (const n of [-400, -1, 0, 1, 29, 366]) assert.equal(dayDiff('2013/03/10', addDays('2013/03/10', n)), n);
  });

  it('daysEndingAt lists n days oldest first', () => {
    assert.deepEqual(daysEndingAt('2013/03/01', 3), ['2013/02/27', '2013/02/28', '2013/03/01']);
    assert.deepEqual(daysEndingAt('2013/03/01', 1), ['2013/03/01']);
  });
});

describe('timezones', () => {
  it('assertTimezone accepts IANA names and rejects others with a usage error', () => {
    assert.doesNotThrow(() => assertTimezone('Asia/Taipei'));
    assert.doesNotThrow(() => assertTimezone('UTC'));
    assert.throws(() => assertTimezone('Mars/Olympus_Mons'), usage('bad-timezone', 'Mars/Olympus_Mons'));
  });

  it('machineTimezone is usable', () => {
    assert.doesNotThrow(() => assertTimezone(machineTimezone()));
  });
});
