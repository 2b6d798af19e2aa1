import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareByPath, formatTarballPath, isLockedCatfold, isSegment, isWanted, parseTarballPath,
  partPathOf, sidecarPathOf, stemOf, subfoldKey, wantedNameOf,
} from './layout.js';

describe('parseTarballPath: on-layout paths', () => {
  it('splits an svn dump path into its fields', () => {
    assert.deepEqual(parseTarballPath('svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz'), {
      path: 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz',
      catfold: 'svn',
      subfold: 'dybsvn',
      day: '2013/05/29',
      time: '104701',
      name: 'dybsvn-20550.tar.gz',
    });
  });

  it('accepts the other catfolds of the real tree', () => {
    const cases: Array<[string, string, string, string]> = [
      ['tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz', 'tracs', 'dybsvn', 'dybsvn.tar.gz'],
      ['folders/svnsetup/2013/05/29/104701/svnsetup.tar.gz', 'folders', 'svnsetup', 'svnsetup.tar.gz'],
      ['reposLOCKED/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz', 'reposLOCKED', 'dybsvn', 'dybsvn-20550.tar.gz'],
      ['svn/dybaux/2013/05/29/104701/dybaux-5019.tar.gz', 'svn', 'dybaux', 'dybaux-5019.tar.gz'],
    ];
    for (const [path, catfold, subfold, name] of cases) {
      const ref = parseTarballPath(path);
      assert.ok(ref, path);
      assert.equal(ref.catfold, catfold);
      assert.equal(ref.subfold, subfold);
      assert.equal(ref.name, name);
      assert.equal(ref.path, path);
    }
  });

  it('accepts the edges of dates and times', () => {
    for (const path of [
      'svn/env/2012/02/29/000000/env.tar.gz',
      'svn/env/2013/12/31/235959/env.tar.gz',
      'svn/env/1970/01/01/000000/env.tar.gz',
      'svn/env/2013/04/30/120000/env.tar.gz',
      'svn/env/2000/02/29/120000/env.tar.gz',
    ]) assert.ok(parseTarballPath(path) !== null, path);
  });

  it('formatTarballPath inverts parseTarballPath', () => {
    const path = 'tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz';
    const { path: _p, ...fields } = parseTarballPath(path)!;
    assert.equal(formatTarballPath(fields), path);
  });
});

describe('parseTarballPath: hostile or off-layout paths are rejected', () => {
  const good = 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz';
  const rejected: Array<[string, string]> = [
    ['6 segments (no time folder)', 'svn/dybsvn/2013/05/29/dybsvn-20550.tar.gz'],
    ['8 segments (extra folder)', 'svn/dybsvn/extra/2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['8 segments (nested below time)', 'svn/dybsvn/2013/05/29/104701/x/dybsvn-20550.tar.gz'],
    ['just a name', 'dybsvn-20550.tar.gz'],
    ['empty path', ''],
    ['February 30th', 'svn/dybsvn/2013/02/30/104701/dybsvn-20550.tar.gz'],
    ['February 29th of a common year', 'svn/dybsvn/2013/02/29/104701/dybsvn-20550.tar.gz'],
    ['February 29th of 1900', 'svn/dybsvn/1900/02/29/104701/dybsvn-20550.tar.gz'],
    ['month 13', 'svn/dybsvn/2013/13/01/104701/dybsvn-20550.tar.gz'],
    ['month 00', 'svn/dybsvn/2013/00/01/104701/dybsvn-20550.tar.gz'],
    ['day 00', 'svn/dybsvn/2013/05/00/104701/dybsvn-20550.tar.gz'],
    ['April 31st', 'svn/dybsvn/2013/04/31/104701/dybsvn-20550.tar.gz'],
    ['one-digit month', 'svn/dybsvn/2013/5/29/104701/dybsvn-20550.tar.gz'],
    ['two-digit year', 'svn/dybsvn/13/05/29/104701/dybsvn-20550.tar.gz'],
    ['year before 1970', 'svn/dybsvn/1969/12/31/104701/dybsvn-20550.tar.gz'],
    ['dashed date in one folder', 'svn/dybsvn/2013-05-29/x/y/104701/dybsvn-20550.tar.gz'],
    ['hour 24', 'svn/dybsvn/2013/05/29/246000/dybsvn-20550.tar.gz'],
    ['minute 60', 'svn/dybsvn/2013/05/29/106000/dybsvn-20550.tar.gz'],
    ['second 60', 'svn/dybsvn/2013/05/29/104760/dybsvn-20550.tar.gz'],
    ['five-digit time', 'svn/dybsvn/2013/05/29/10470/dybsvn-20550.tar.gz'],
    ['seven-digit time', 'svn/dybsvn/2013/05/29/1047011/dybsvn-20550.tar.gz'],
    ['time with colons', 'svn/dybsvn/2013/05/29/10:47:01/dybsvn-20550.tar.gz'],
    ['.. as catfold', '../dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['.. as subfold', 'svn/../2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['.. climbing out at the front', '../../../etc/05/29/104701/passwd.tar.gz'],
    ['. as subfold', 'svn/./2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['. as name', 'svn/dybsvn/2013/05/29/104701/.'],
    ['empty segment (a//b)', 'svn//dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['empty catfold', '/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['leading slash (absolute)', '/' + good],
    ['trailing slash', good + '/'],
    ['backslash separators', good.replace(/\//g, '\\')],
    ['backslash inside a name', 'svn/dybsvn/2013/05/29/104701/..\\dybsvn-20550.tar.gz'],
    ['NUL in a name', 'svn/dybsvn/2013/05/29/104701/dybsvn\0-20550.tar.gz'],
    ['NUL at the end', good + '\0'],
    ['hidden catfold', '.svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['hidden name', 'svn/dybsvn/2013/05/29/104701/.dybsvn-20550.tar.gz'],
    ['name that is only the suffix', 'svn/dybsvn/2013/05/29/104701/.tar.gz'],
    ['.tar suffix', 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar'],
    ['.tgz suffix', 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tgz'],
    ['sidecar, not tarball', sidecarPathOf(good)],
    ['partial download', partPathOf(good)],
    ['uppercase suffix', 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.TAR.GZ'],
    ['overlong name', `svn/dybsvn/2013/05/29/104701/${'a'.repeat(200)}.tar.gz`],
    ['overlong subfold', `svn/${'s'.repeat(200)}/2013/05/29/104701/dybsvn.tar.gz`],
    ['overlong path', `svn/dybsvn/2013/05/29/104701/${'a'.repeat(2000)}.tar.gz`],
    ['space in a name', 'svn/dybsvn/2013/05/29/104701/dyb svn.tar.gz'],
    ['space in a folder', 'svn /dybsvn/2013/05/29/104701/dybsvn.tar.gz'],
    ['unicode name', 'svn/dybsvn/2013/05/29/104701/dybsvné.tar.gz'],
    ['unicode look-alike slash', 'svn/dybsvn/2013/05/29/104701/a\u2215b.tar.gz'],
    ['newline in a name', 'svn/dybsvn/2013/05/29/104701/dyb\nsvn.tar.gz'],
    ['percent-encoded dots', '%2e%2e/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['percent-encoded slash', 'svn/dybsvn/2013/05/29/104701/a%2fb.tar.gz'],
    ['Windows drive', 'C:/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz'],
    ['URL query', 'svn/dybsvn/2013/05/29/104701/dybsvn.tar.gz?x=1'],
    ['shell glob', 'svn/*/2013/05/29/104701/dybsvn.tar.gz'],
  ];
  for (const [what, path] of rejected) {
    it(what, () => {
      assert.equal(parseTarballPath(path), null);
      assert.equal(parseTarballPath(path), null);
    });
  }
});

describe('isSegment', () => {
  it('accepts layout folder names and refuses dot and empty ones', () => {
    for (const s of ['svn', 'dybsvn', 'reposLOCKED', '2013', 'a_b-c+d.e']) assert.ok(isSegment(s), s);
    for (const s of ['', '.', '..', '.hidden', 'a/b', 'a b', 'x'.repeat(129)]) assert.ok(!isSegment(s), JSON.stringify(s));
  });
});

describe('companion paths', () => {
  it('sidecar and part paths, stem and subfold key', () => {
    const path = 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz';
    assert.equal(sidecarPathOf(path), path + '.dna');
    assert.equal(partPathOf(path), path + '.part');
    assert.equal(stemOf('dybsvn-20550.tar.gz'), 'dybsvn-20550');
    assert.equal(stemOf('README'), 'README');
    assert.equal(subfoldKey(parseTarballPath(path)!), 'svn/dybsvn');
  });
});

describe('wanted prefixes', () => {
  it("'dybsvn' selects both dybsvn tarballs and not svnsetup", () => {
    assert.equal(wantedNameOf('dybsvn-20550.tar.gz', ['dybsvn']), 'dybsvn');
    assert.equal(wantedNameOf('dybsvn.tar.gz', ['dybsvn']), 'dybsvn');
    assert.equal(wantedNameOf('svnsetup.tar.gz', ['dybsvn']), null);
  });

  it('the longest matching prefix wins, whatever the list order', () => {
    assert.equal(wantedNameOf('dybsvn-20550.tar.gz', ['dyb', 'dybsvn']), 'dybsvn');
    assert.equal(wantedNameOf('dybsvn-20550.tar.gz', ['dybsvn', 'dyb']), 'dybsvn');
    assert.equal(wantedNameOf('dybaux-5019.tar.gz', ['dybsvn', 'dyb']), 'dyb');
    assert.equal(wantedNameOf('svnsetup.tar.gz', ['dybsvn', 'svnsetup']), 'svnsetup');
  });

  it('a prefix must match at the start of the name', () => {
    assert.equal(wantedNameOf('svnsetup.tar.gz', ['setup']), null);
    assert.equal(wantedNameOf('dybsvn.tar.gz', ['svn']), null);
  });

  it('an empty wanted list selects everything; a non-empty one only its prefixes', () => {
    assert.ok(isWanted('anything.tar.gz', []));
    assert.ok(isWanted('dybsvn.tar.gz', ['dybsvn', 'svnsetup']));
    assert.ok(isWanted('svnsetup.tar.gz', ['dybsvn', 'svnsetup']));
    assert.ok(!isWanted('dybaux-5019.tar.gz', ['dybsvn', 'svnsetup']));
    assert.equal(wantedNameOf('anything.tar.gz', []), null);
  });
});

describe('isLockedCatfold', () => {
  it('is true only for names ending in LOCKED', () => {
    assert.ok(isLockedCatfold('reposLOCKED'));
    assert.ok(isLockedCatfold('LOCKED'));
    assert.ok(!isLockedCatfold('repos'));
    assert.ok(!isLockedCatfold('LOCKEDrepos'));
    assert.ok(!isLockedCatfold('reposlocked'));
  });
});

describe('compareByPath', () => {
  it('orders paths of one subfold by date then time', () => {
    const paths = [
      'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz',
      'svn/dybsvn/2012/12/31/235959/dybsvn-20001.tar.gz',
      'svn/dybsvn/2013/05/29/094701/dybsvn-20549.tar.gz',
      'svn/dybsvn/2013/01/02/104701/dybsvn-20100.tar.gz',
      'svn/dybsvn/2013/05/30/010000/dybsvn-20560.tar.gz',
    ];
    const sorted = paths.map((path) => ({ path })).sort(compareByPath).map((x) => x.path);
    assert.deepEqual(sorted.map((p) => parseTarballPath(p)!.day + ' ' + parseTarballPath(p)!.time), [
      '2012/12/31 235959', '2013/01/02 104701', '2013/05/29 094701', '2013/05/29 104701', '2013/05/30 010000',
    ]);
  });

  it('is a consistent comparator', () => {
    const a = { path: 'svn/dybsvn/2013/05/29/104701/a.tar.gz' };
    const b = { path: 'svn/dybsvn/2013/05/30/104701/a.tar.gz' };
    assert.equal(compareByPath(a, b), -1);
    assert.equal(compareByPath(b, a), 1);
    assert.equal(compareByPath(a, { ...a }), 0);
  });
});
