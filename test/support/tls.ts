/**
 * A private CA and a server certificate for `localhost` / 127.0.0.1, made
 * with the openssl CLI, for tests of the TLS paths (curl --cacert, the
 * target's --ca).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/**
 * Writes ca.pem, server.pem and server-key.pem into `dir` and returns their
 * paths. The server certificate is for CN=localhost with SAN DNS:localhost
 * and IP:127.0.0.1, signed by the CA, valid for 30 days.
 */
export async function makeTestPki(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  const cert = join(dir, 'server.pem');
  const key = join(dir, 'server-key.pem');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '30',
    '-subj', '/CN=altbackup test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost'], dir);
  await writeFile(ext, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '',
  ].join('\n'));
  await openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '30', '-extfile', ext], dir);
  return { ca, cert, key };
}
