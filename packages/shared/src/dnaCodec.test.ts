import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { md5Of } from './testing.js';
import { AltError, ExitCode } from './errors.js';
import { dnaEqual, formatDna, md5FromReprDigest, parseDna, reprDigestOf, type Dna } from './dnaCodec.js';

const FILE = 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz.dna';
const DIG = '1f3870be274f6c49b3e31a0c6728957f';
const EXAMPLE = `{'dig': '${DIG}', 'size': 1531229474}\n`;
const EXPECTED: Dna = { dig: DIG, size: 1531229474 };

describe('parseDna accepts every variant of SPEC section 2', () => {
  const accepted: Array<[string, string]> = [
    ['canonical form', EXAMPLE],
    ['size before dig', `{'size': 1531229474, 'dig': '${DIG}'}\n`],
    ['double quotes', `{"dig": "${DIG}", "size": 1531229474}\n`],
    ['double quotes, size first', `{"size": 1531229474, "dig": "${DIG}"}\n`],
    ['mixed quotes between keys', `{"dig": '${DIG}', 'size': 1531229474}\n`],
    ['no spaces at all', `{'dig':'${DIG}','size':1531229474}\n`],
    ['many spaces', `  {  'dig'  :   '${DIG}'  ,   'size'  :  1531229474  }  \n`],
    ['tabs as spaces', `{\t'dig':\t'${DIG}',\t'size':\t1531229474\t}\n`],
    ['L suffix', `{'dig': '${DIG}', 'size': 1531229474L}\n`],
    ['l suffix', `{'dig': '${DIG}', 'size': 1531229474l}\n`],
    ['L suffix, size first', `{'size': 1531229474L, 'dig': '${DIG}'}\n`],
    ['missing final newline', `{'dig': '${DIG}', 'size': 1531229474}`],
    ['CRLF final newline', `{'dig': '${DIG}', 'size': 1531229474}\r\n`],
    ['CRLF and L suffix', `{'dig': '${DIG}', 'size': 1531229474L}\r\n`],
    ['uppercase hex', `{'dig': '${DIG.toUpperCase()}', 'size': 1531229474}\n`],
    ['mixed-case hex, double quotes, no newline', `{"size":1531229474L,"dig":"1F3870BE274f6c49b3e31a0c6728957F"}`],
  ];
  for (const [what, text] of accepted) {
    it(what, () => {
      assert.deepEqual(parseDna(text, FILE), EXPECTED);
    });
  }

  it('a zero size (an empty tarball) and a small size', () => {
    assert.deepEqual(parseDna(`{'dig': 'd41d8cd98f00b204e9800998ecf8427e', 'size': 0}\n`, FILE), { dig: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 });
    assert.deepEqual(parseDna(`{'dig': '${DIG}', 'size': 7475L}\n`, FILE), { dig: DIG, size: 7475 });
  });

  it('uppercase digests come back as lowercase hex', () => {
    const { dig } = parseDna(`{'dig': 'ABCDEF0123456789ABCDEF0123456789', 'size': 1}`, FILE);
    assert.equal(dig, 'abcdef0123456789abcdef0123456789');
  });
});

describe('parseDna rejects anything else, naming the file and showing the text', () => {
  const rejected: Array<[string, string]> = [
    ['empty text', ''],
    ['only a newline', '\n'],
    ['a list, not a dict', `['${DIG}', 1531229474]\n`],
    ['bare words', 'dig=1f3870be274f6c49b3e31a0c6728957f size=1531229474\n'],
    ['empty dict', '{}\n'],
    ['missing dig', `{'size': 1531229474}\n`],
    ['missing size', `{'dig': '${DIG}'}\n`],
    ['dig too short', `{'dig': '1f3870be274f6c49b3e31a0c6728957', 'size': 1531229474}\n`],
    ['dig too long', `{'dig': '${DIG}0', 'size': 1531229474}\n`],
    ['dig not hex', `{'dig': '1f3870be274f6c49b3e31a0c6728957g', 'size': 1531229474}\n`],
    ['dig unquoted', `{'dig': ${DIG}, 'size': 1531229474}\n`],
    ['dig with mismatched quotes', `{'dig': "${DIG}', 'size': 1531229474}\n`],
    ['negative size', `{'dig': '${DIG}', 'size': -1531229474}\n`],
    ['float size', `{'dig': '${DIG}', 'size': 1531229474.0}\n`],
    ['exponent size', `{'dig': '${DIG}', 'size': 1.5e9}\n`],
    ['quoted size', `{'dig': '${DIG}', 'size': '1531229474'}\n`],
    ['size given as a digest', `{'dig': '${DIG}', 'size': '${DIG}'}\n`],
    ['double L suffix', `{'dig': '${DIG}', 'size': 1531229474LL}\n`],
    ['size beyond safe integers', `{'dig': '${DIG}', 'size': 9999999999999999}\n`],
    ['extra key', `{'dig': '${DIG}', 'size': 1531229474, 'mtime': 1369795621}\n`],
    ['duplicate key', `{'dig': '${DIG}', 'dig': '${DIG}', 'size': 1531229474}\n`],
    ['trailing comma', `{'dig': '${DIG}', 'size': 1531229474,}\n`],
    ['unquoted keys', `{dig: '${DIG}', size: 1531229474}\n`],
    ['uppercase key', `{'DIG': '${DIG}', 'size': 1531229474}\n`],
    ['two dicts on two lines', `${EXAMPLE}${EXAMPLE}`],
    ['dict split over two lines', `{'dig': '${DIG}',\n 'size': 1531229474}\n`],
    ['trailing garbage', `{'dig': '${DIG}', 'size': 1531229474} junk\n`],
    ['leading garbage', `x{'dig': '${DIG}', 'size': 1531229474}\n`],
    ['two newlines at the end', `${EXAMPLE}\n`],
    ['JSON null', 'null\n'],
    ['JSON object with number as string', `{"dig": "${DIG}", "size": "1531229474"}`],
    ['huge text', `{'dig': '${DIG}', 'size': 1531229474}` + ' '.repeat(5000) + '\n'],
  ];
  for (const [what, text] of rejected) {
    it(what, () => {
      assert.throws(() => parseDna(text, FILE), (e: unknown) => {
        assert.ok(e instanceof AltError, 'an AltError');
        assert.equal(e.code, 'dna-invalid');
        assert.equal(e.exitCode, ExitCode.failed);
        assert.ok(e.message.includes(FILE), `names the file: ${e.message}`);
        // The text is shown JSON-quoted (so newlines are visible), truncated when long.
        const shown = text.length <= 120 ? JSON.stringify(text) : JSON.stringify(text.slice(0, 100)).slice(0, -1);
        assert.ok(e.message.includes(shown), `shows the text: ${e.message}`);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      });
    });
  }

  it('a long text is shown truncated, keeping the message short', () => {
    const text = 'x'.repeat(10_000);
    assert.throws(() => parseDna(text, FILE), (e: AltError) => e.message.length < 400 && e.message.includes('xxxxxxxxxx'));
  });
});

describe('formatDna', () => {
  it('writes the SPEC example byte-identically: 64 bytes', () => {
    const text = formatDna(EXPECTED);
    assert.equal(text, EXAMPLE);
    assert.equal(Buffer.byteLength(text), 64);
    assert.deepEqual(Buffer.from(text, 'latin1'), Buffer.from("{'dig': '1f3870be274f6c49b3e31a0c6728957f', 'size': 1531229474}\n", 'latin1'));
  });

  it('rewrites legacy variants to the canonical form', () => {
    assert.equal(formatDna(parseDna(`{"size": 1531229474L, "dig": "${DIG.toUpperCase()}"}\r\n`, FILE)), EXAMPLE);
  });

  it('round-trips: parse(format(x)) = x', () => {
    const samples: Dna[] = [
      EXPECTED,
      { dig: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 },
      { dig: md5Of('abc'), size: 3 },
      { dig: 'ffffffffffffffffffffffffffffffff', size: Number.MAX_SAFE_INTEGER },
    ];
    for (const dna of samples) {
      assert.deepEqual(parseDna(formatDna(dna), FILE), dna);
      assert.equal(formatDna(parseDna(formatDna(dna), FILE)), formatDna(dna));
    }
  });
});

describe('dnaEqual', () => {
  it('compares digest and size only', () => {
    assert.ok(dnaEqual(EXPECTED, { dig: DIG, size: 1531229474 }));
    assert.ok(dnaEqual(parseDna(`{"size": 1531229474L, "dig": "${DIG}"}`, FILE), parseDna(EXAMPLE, FILE)));
    assert.ok(!dnaEqual(EXPECTED, { dig: DIG, size: 1531229475 }));
    assert.ok(!dnaEqual(EXPECTED, { dig: 'd41d8cd98f00b204e9800998ecf8427e', size: 1531229474 }));
  });
});

describe('Repr-Digest', () => {
  const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

  it('encodes md5 of the empty string as the well-known base64', () => {
    assert.equal(reprDigestOf({ dig: EMPTY_MD5, size: 0 }), 'md5=:1B2M2Y8AsgTpgAmY7PhCfg==:');
  });

  it('decodes it back', () => {
    assert.equal(md5FromReprDigest('md5=:1B2M2Y8AsgTpgAmY7PhCfg==:'), EMPTY_MD5);
  });

  it('round-trips any digest', () => {
    for (const dig of [DIG, EMPTY_MD5, 'ffffffffffffffffffffffffffffffff']) {
      assert.equal(md5FromReprDigest(reprDigestOf({ dig, size: 1 })), dig);
    }
  });

  it('finds md5 among several algorithms', () => {
    assert.equal(md5FromReprDigest('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:, md5=:1B2M2Y8AsgTpgAmY7PhCfg==:'), EMPTY_MD5);
  });

  it('returns null when there is no usable md5', () => {
    assert.equal(md5FromReprDigest(undefined), null);
    assert.equal(md5FromReprDigest(''), null);
    assert.equal(md5FromReprDigest('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'), null);
    assert.equal(md5FromReprDigest('md5=:AAAA:'), null);
    assert.equal(md5FromReprDigest('xmd5=:1B2M2Y8AsgTpgAmY7PhCfg==:'), null);
  });
});
