import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backupTimeMs } from './backupTime.js';

describe('backupTimeMs', () => {
  it('reads the folders as wall time in the timezone', () => {
    assert.equal(backupTimeMs('2013/05/29', '104701', 'UTC'), Date.UTC(2013, 4, 29, 10, 47, 1));
    assert.equal(backupTimeMs('2013/05/29', '104701', 'Asia/Taipei'), Date.UTC(2013, 4, 29, 2, 47, 1));
    assert.equal(backupTimeMs('2024/01/15', '000000', 'America/New_York'), Date.UTC(2024, 0, 15, 5, 0, 0));
  });

  it('handles the day a DST change repeats an hour (first occurrence)', () => {
    // 2024-10-27 02:30 happens twice in Europe/Berlin: CEST (+2) first.
    assert.equal(backupTimeMs('2024/10/27', '023000', 'Europe/Berlin'), Date.UTC(2024, 9, 27, 0, 30, 0));
  });

  it('maps a wall time skipped by DST just after the gap', () => {
    // 2024-03-31 02:30 does not exist in Europe/Berlin; 03:30 CEST is 01:30 UTC.
    assert.equal(backupTimeMs('2024/03/31', '023000', 'Europe/Berlin'), Date.UTC(2024, 2, 31, 1, 30, 0));
    assert.equal(backupTimeMs('2024/03/31', '104701', 'Europe/Berlin'), Date.UTC(2024, 2, 31, 8, 47, 1));
  });
});
