/**
 * nginx serving a folder on 127.0.0.1 from a temp config: the reference
 * static file server for the serving-throughput comparison. Settings are
 * Debian's defaults where they matter for speed (sendfile, worker count).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stopChild } from './exec.js';
import { freePort, startListening } from './ports.js';

export interface Nginx {
  port: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function nginxConfig(o: { port: number; dir: string; root: string }): string {
  const t = (name: string) => join(o.dir, name);
  return `daemon off;
master_process on;
worker_processes auto;
user root;
pid ${t('nginx.pid')};
error_log ${t('error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${t('client_body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  server {
    listen 127.0.0.1:${o.port};
    root ${o.root};
    location / { }
  }
}
`;
}

export async function startNginx(dir: string, root: string): Promise<Nginx> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const cfg = join(dir, 'nginx.conf');
  await writeFile(cfg, nginxConfig({ port, dir, root }));
  // -p sets the prefix so nginx never touches /var/log/nginx or /run.
  const child = await startListening('nginx', port, '/usr/sbin/nginx', ['-p', dir, '-c', cfg, '-e', join(dir, 'error.log')]);
  return { port, url: `http://127.0.0.1:${port}`, child, stop: () => stopChild(child) };
}
