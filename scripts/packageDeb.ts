/**
 * `npm run package`: builds dist-deb/altbackup_<version>_amd64.deb with
 * dpkg-deb from the work tree's build, no second `npm ci`:
 *
 * - the production dependencies are copied out of the work tree's
 *   node_modules, found by walking the `dependencies` of the three runtime
 *   workspaces the way Node resolves them (sample-tree and every
 *   devDependency stay out);
 * - the two native addons (better-sqlite3 and the puller's md5state) are the
 *   `.node` files `npm ci` compiled here. An addon is bound to the ABI of the
 *   node that built it, so the package is built with the node it depends on
 *   (`Depends: nodejs (>= 20), nodejs (<< 21)`, Node 20's ABI 115) and the
 *   script refuses any other;
 * - /usr/bin/altbackup and /usr/bin/altbackup-source are links to the
 *   packages' committed wrappers, so the installed commands start node with
 *   the same flags as bin/altbackup (--single-threaded-gc for the puller);
 * - the systemd units are deploy/systemd's with the packaged paths
 *   (/usr/bin, /usr/lib/altbackup) in place of /usr/local;
 * - man pages come from `--help` through help2man, bash completion from the
 *   programs' definitions.
 *
 * Needs dpkg-deb, dpkg-shlibdeps (dpkg-dev) and help2man
 * (scripts/install-test-tools.sh installs them). Prints the .deb's path.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, cpSync, openSync, readSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bashCompletion, type ProgramDef } from '@altbackup/shared';
import { sourceProgram } from '@altbackup/source-server';
import { targetProgram } from '@altbackup/target-puller';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The Node major the addons are built for; the package depends on exactly it. */
const NODE_MAJOR = 20;
const APP = 'usr/lib/altbackup';
/** The workspaces the two programs run from; sample-tree is for tests and the bench only. */
const RUNTIME_WORKSPACES = ['shared', 'source-server', 'target-puller'];
const MAINTAINER = 'altbackup maintainers <altbackup@users.noreply.invalid>';

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  dependencies?: Record<string, string>;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
/** Runs a tool, returns its stdout; `quiet` keeps its stderr unless it fails (execFileSync's error carries it). */
const run = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}) =>
  execFileSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'] });

function fail(message: string): never {
  process.stderr.write(`package-deb: ${message}\n`);
  process.exit(1);
}

/** Where Node finds `name` when required from the package in `fromDir` (nearest node_modules upward). */
function resolvePackage(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === REPO || dir === dirname(dir)) fail(`${name} (needed by ${relative(REPO, fromDir) || 'the root'}) is not installed: run npm ci`);
  }
}

/** Every third-party package the runtime workspaces need, as folders under node_modules. */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const visit = (pkgDir: string) => {
    for (const dep of Object.keys(readJson(join(pkgDir, 'package.json')).dependencies ?? {})) {
      if (dep.startsWith('@altbackup/')) continue;
      const found = resolvePackage(dep, pkgDir);
      if (!relative(REPO, found).startsWith('node_modules/')) fail(`${found}: a dependency installed inside a workspace is not packaged by this script`);
      if (seen.has(found)) continue;
      seen.add(found);
      visit(found);
    }
  };
  for (const ws of RUNTIME_WORKSPACES) visit(join(REPO, 'packages', ws));
  return [...seen].sort();
}

/** Nothing a running program reads: docs (pino's index.html loads scripts from CDNs), TypeScript sources and declarations (Node 20 runs none), source maps, tests, dotfiles. */
function runtimeFile(src: string): boolean {
  const name = basename(src);
  return !(name.startsWith('.') || /\.(md|markdown|html|map|ts|mts|cts)$/i.test(name) || /\.test\.js$/.test(name));
}

/** A package's folders of tests, benchmarks, examples and docs, which npm packages often ship. */
const NOT_RUNTIME_DIRS = new Set(['test', 'tests', '__tests__', 'bench', 'benchmarks', 'example', 'examples', 'docs', 'integration']);

/**
 * Prebuilt binaries for other platforms (tar-fs's bare-* dependencies carry
 * Android and arm64 builds for the Bare runtime): only linux-x64 could ever load.
 */
const otherPlatformPrebuild = (rel: string) => /^prebuilds\/(?!linux-x64(\/|$))/.test(rel);

/**
 * Copies one npm package; of an addon (it has binding.gyp) only the compiled
 * `.node` files of build/Release, not its C sources, objects or test extension.
 */
function copyPackage(src: string, dest: string): void {
  const addon = existsSync(join(src, 'binding.gyp'));
  cpSync(src, dest, {
    recursive: true,
    filter: (file) => {
      const rel = relative(src, file);
      if (rel === '') return true;
      if (rel === 'node_modules' || rel.startsWith('node_modules/')) return false;
      if (!runtimeFile(file) || NOT_RUNTIME_DIRS.has(rel.split('/')[0]!) || otherPlatformPrebuild(rel)) return false;
      if (!addon) return true;
      if (['deps', 'src', 'binding.gyp', 'native'].includes(rel.split('/')[0]!)) return false;
      if (rel === 'build' || rel === 'build/Release') return true;
      if (rel.startsWith('build/')) return /^build\/Release\/[^/]+\.node$/.test(rel) && !rel.endsWith('test_extension.node');
      return true;
    },
  });
}

/** A workspace package as node_modules/@altbackup/<name>: package.json, dist without tests, bin, compiled addon. */
function copyWorkspace(ws: string, dest: string): void {
  copyPackage(join(REPO, 'packages', ws), dest);
  for (const dropped of ['src', 'tsconfig.json', 'tsconfig.tsbuildinfo', 'dist/testing', 'dist/testing.js']) rmSync(join(dest, dropped), { recursive: true, force: true });
}

/** deploy/systemd's unit with the packaged paths instead of the from-source install's /usr/local. */
function packagedUnit(text: string, program: string): string {
  return text
    .replaceAll('/usr/local/bin/', '/usr/bin/')
    .replaceAll('/usr/local/lib/altbackup/', '/usr/lib/altbackup/')
    .replace(/^Documentation=file:\/\/\/opt\/altbackup\/deploy\/README\.md$/m, `Documentation=man:${program}(1)`);
}

/** What a file's first bytes say it is. */
function magic(file: string): 'elf' | 'script' | 'other' {
  const head = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, head, 0, 4, 0);
    if (n === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'elf';
    return n >= 2 && head[0] === 0x23 && head[1] === 0x21 ? 'script' : 'other';
  } finally {
    closeSync(fd);
  }
}

function writeFile(root: string, path: string, text: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  chmodSync(join(root, path), mode);
}

/** Every file and folder under `dir` (not following links), folders first. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

const POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # The one user every unit runs as. It outlives the package (remove and
    # purge leave it): the mirror and the ledger it wrote are still its own.
    if ! getent passwd altbackup >/dev/null; then
        adduser --system --group --home /var/lib/altbackup --quiet altbackup
    fi
    install -d -m 0750 -o altbackup -g altbackup /var/lib/altbackup /var/log/altbackup
fi
# No unit is enabled here: which ones run depends on the node (source or
# target), so the operator enables them (deploy guide, section 1).
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
exit 0
`;

const PRERM = `#!/bin/sh
set -e
# A removed program must not keep serving or be started by a timer.
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    deb-systemd-invoke stop altbackup-source.service altbackup-pull.timer altbackup-status.timer altbackup-check-restore.timer altbackup-scrub.timer >/dev/null || true
fi
exit 0
`;

const POSTRM = `#!/bin/sh
set -e
if [ "$1" = purge ]; then
    # The user stays; of its folders only empty ones go, since they may hold
    # reports and logs an operator still wants.
    rmdir --ignore-fail-on-non-empty /var/lib/altbackup /var/log/altbackup 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
exit 0
`;

function changelog(version: string, epoch: number): string {
  const date = new Date(epoch * 1000).toUTCString().replace(/GMT$/, '+0000');
  return `altbackup (${version}) unstable; urgency=medium\n\n  * Built from the altbackup repository (npm run package).\n\n -- ${MAINTAINER}  ${date}\n`;
}

function copyright(packages: string[], years: string): string {
  const bundled = packages.map((dir) => {
    const p = readJson(join(dir, 'package.json'));
    return ` ${p.name} ${p.version}: ${p.license ?? 'see its package.json'}`;
  });
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: altbackup',
    '',
    'Files: *',
    `Copyright: ${years} the altbackup authors`,
    'License: proprietary',
    ' altbackup is an internal program of its operators; no license is granted.',
    '',
    'Files: usr/lib/altbackup/node_modules/*',
    'Copyright: the authors of each npm package',
    'License: various',
    ' The npm packages bundled under /usr/lib/altbackup/node_modules, each with',
    ' its license file where it ships one:',
    ' .',
    ...bundled,
    '',
  ].join('\n');
}

function main(): void {
  if (Number(process.versions.node.split('.')[0]) !== NODE_MAJOR) fail(`run with Node ${NODE_MAJOR} (this is ${process.version}): the addons are built for the node that runs this script`);
  const version = readJson(join(REPO, 'package.json')).version;
  const epoch = Number(run('git', ['log', '-1', '--format=%ct'], { cwd: REPO }).trim());
  const out = join(REPO, 'dist-deb');
  const root = join(out, `altbackup_${version}_amd64`);
  const deb = `${root}.deb`;
  rmSync(root, { recursive: true, force: true });
  rmSync(deb, { force: true });
  for (const needed of ['packages/target-puller/build/Release/md5state.node', 'packages/target-puller/dist/cli.js', 'packages/source-server/dist/cli.js']) {
    if (!existsSync(join(REPO, needed))) fail(`${needed} is missing: run npm ci && npm run build`);
  }

  const packages = productionPackages();
  for (const dir of packages) copyPackage(dir, join(root, APP, relative(REPO, dir)));
  for (const ws of RUNTIME_WORKSPACES) copyWorkspace(ws, join(root, APP, 'node_modules', '@altbackup', ws));

  const programs: [ProgramDef, string][] = [[targetProgram, 'target-puller'], [sourceProgram, 'source-server']];
  for (const [def, ws] of programs) {
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    symlinkSync(`../lib/altbackup/node_modules/@altbackup/${ws}/bin/${def.name}`, join(root, 'usr/bin', def.name));
    writeFile(root, `usr/share/bash-completion/completions/${def.name}`, bashCompletion(def));
  }
  // help2man runs the staged commands, so the pages describe what is packaged.
  for (const [def] of programs) {
    const page = run('help2man', ['--no-info', '--section', '1', '--name', def.summary, '--no-discard-stderr', join(root, 'usr/bin', def.name)]);
    writeFile(root, `usr/share/man/man1/${def.name}.1.gz`, gzipSync(page, { level: 9 }));
  }

  const units = join(REPO, 'deploy', 'systemd');
  for (const unit of readdirSync(units).sort()) {
    const program = unit.startsWith('altbackup-source') ? 'altbackup-source' : 'altbackup';
    writeFile(root, `lib/systemd/system/${unit}`, packagedUnit(readFileSync(join(units, unit), 'utf8'), program));
  }
  writeFile(root, `${APP}/altbackup-unit-failed`, readFileSync(join(REPO, 'deploy/altbackup-unit-failed.sh')), 0o755);
  writeFile(root, `${APP}/altbackup-cron.sh`, readFileSync(join(REPO, 'deploy/altbackup-cron.sh')), 0o755);
  const conffiles = ['/etc/altbackup/source.toml', '/etc/altbackup/target.toml'];
  for (const file of conffiles) writeFile(root, file.slice(1), readFileSync(join(REPO, 'deploy', basename(file))));
  const commitYears = run('git', ['log', '--format=%cd', '--date=format:%Y'], { cwd: REPO }).trim().split('\n');
  writeFile(root, 'usr/share/doc/altbackup/copyright', copyright(packages, [...new Set([commitYears.at(-1), commitYears[0]])].join('-')));
  writeFile(root, 'usr/share/doc/altbackup/changelog.gz', gzipSync(changelog(version, epoch), { level: 9 }));

  // The libraries the addons link, as dpkg-shlibdeps finds them (it wants a
  // debian/control to read). It warns about every V8 and N-API symbol, which
  // the node binary provides, not a library: those warnings are kept quiet.
  const addons = walk(join(root, APP)).filter((f) => f.endsWith('.node'));
  const shlibs = join(out, 'shlibs');
  writeFile(shlibs, 'debian/control', 'Source: altbackup\n\nPackage: altbackup\nArchitecture: amd64\n');
  const shlibDepends = /^shlibs:Depends=(.*)$/m.exec(run('dpkg-shlibdeps', ['-O', ...addons.map((f) => `-e${f}`)], { cwd: shlibs, quiet: true }))?.[1] ?? fail('dpkg-shlibdeps printed no shlibs:Depends');
  rmSync(shlibs, { recursive: true, force: true });

  const installedKb = Number(run('du', ['-sk', '--apparent-size', root]).split('\t')[0]);
  const control = [
    'Package: altbackup',
    `Version: ${version}`,
    'Architecture: amd64',
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKb}`,
    `Depends: nodejs (>= ${NODE_MAJOR}), nodejs (<< ${NODE_MAJOR + 1}), adduser, ${shlibDepends}`,
    'Recommends: subversion',
    'Section: admin',
    'Priority: optional',
    'Description: pull-based off-site mirror for date-stamped backup tarballs',
    ' altbackup keeps an off-site mirror of the nightly backup tarballs a source',
    ' node writes. The source runs a small read-only HTTP server',
    ' (altbackup-source); the target pulls from a systemd timer, resumes',
    ' interrupted downloads, verifies every byte against the MD5 sidecar before',
    ' a file takes its final name, keeps the last N per folder and proves the',
    ' copies restore (check_restore needs Subversion\'s svnadmin).',
    '',
  ].join('\n');
  writeFile(root, 'DEBIAN/control', control);
  writeFile(root, 'DEBIAN/conffiles', conffiles.join('\n') + '\n');
  writeFile(root, 'DEBIAN/postinst', POSTINST, 0o755);
  writeFile(root, 'DEBIAN/prerm', PRERM, 0o755);
  writeFile(root, 'DEBIAN/postrm', POSTRM, 0o755);

  // Modes as Debian wants them whatever npm left: folders and scripts (#!)
  // 0755, other files 0644; shared objects (the addons) stripped as dh_strip would.
  for (const p of walk(root)) {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    const kind = st.isFile() ? magic(p) : 'dir';
    if (kind === 'elf') run('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', p]);
    chmodSync(p, kind === 'dir' || kind === 'script' ? 0o755 : 0o644);
  }
  // md5sums, as dh_md5sums writes them, for `dpkg --verify` and debsums.
  const sums = walk(root).filter((p) => !relative(root, p).startsWith('DEBIAN/') && lstatSync(p).isFile())
    .map((p) => `${createHash('md5').update(readFileSync(p)).digest('hex')}  ${relative(root, p)}`);
  writeFile(root, 'DEBIAN/md5sums', sums.join('\n') + '\n');
  // SOURCE_DATE_EPOCH: the archive's timestamps are the commit's, so a rebuild of the same commit gives the same package.
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, deb], { env: { SOURCE_DATE_EPOCH: String(epoch) } });
  rmSync(root, { recursive: true, force: true });
  process.stdout.write(`${relative(process.cwd(), deb) || deb}\n`);
}

main();
