/**
 * Notifications (`[notify]`): a healthchecks-style webhook pinged at start
 * (`<url>/start`), on success (`<url>`) and on failure (`<url>/fail`) with a
 * short text body, and a shell command run on failure with the summary on
 * stdin (e.g. `mail -s "altbackup failed" ops@example.org`).
 *
 * A notification is a side channel: it never throws, never changes the run's
 * result and never waits longer than `notify.timeout` (the command is killed
 * with its whole process group, the request aborted). Failures are logged;
 * the webhook URL is a secret (healthchecks puts the check's key in it), so
 * logs show only its origin.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { Agent, request } from 'undici';
import { formatDuration, operatorLine, type Config, type Logger } from '@altbackup/shared';

export interface NotifySettings {
  webhook: string;
  command: string;
  timeoutMs: number;
}

export type PingKind = 'start' | 'success' | 'fail';

function settingsOf(config: Config): NotifySettings {
  return { webhook: config.notify.webhook, command: config.notify.command, timeoutMs: config.notify.timeout };
}

/** `<url>/start`, `<url>`, `<url>/fail`, keeping any query string (healthchecks `?rid=`). */
export function pingUrl(webhook: string, kind: PingKind): string {
  if (kind === 'success') return webhook;
  const u = new URL(webhook);
  u.pathname = u.pathname.replace(/\/+$/, '') + '/' + kind;
  return u.toString();
}

/** What a log line may show of the webhook: its origin only. */
export function webhookShown(webhook: string): string {
  try {
    return new URL(webhook).origin;
  } catch {
    return '(unparsable webhook URL)';
  }
}

/** Healthchecks keeps the first 100 kB of a ping body; mails should stay short too. */
const MAX_BODY = 10_000;

function clip(text: string): string {
  return text.length <= MAX_BODY ? text : text.slice(0, MAX_BODY - 20) + '\n... (truncated)\n';
}

/** POSTs the summary to the ping URL; resolves true on a 2xx answer within the timeout. */
export async function ping(settings: NotifySettings, kind: PingKind, summary: string, log: Logger): Promise<boolean> {
  if (!settings.webhook) return false;
  const shown = webhookShown(settings.webhook);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  // A private agent, destroyed afterwards: no kept-alive socket may hold the process open.
  const agent = new Agent({ connect: { timeout: settings.timeoutMs }, headersTimeout: settings.timeoutMs, bodyTimeout: settings.timeoutMs });
  try {
    const res = await request(pingUrl(settings.webhook, kind), {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: clip(summary),
      signal: controller.signal,
      dispatcher: agent,
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode > 299) {
      log.warn({ webhook: shown, kind, status: res.statusCode }, `notification ${kind} ping to ${shown} answered HTTP ${res.statusCode}`);
      return false;
    }
    log.debug({ webhook: shown, kind }, `notification ${kind} ping sent`);
    return true;
  } catch (e) {
    const why = controller.signal.aborted ? `no answer within ${formatDuration(settings.timeoutMs)}` : causeOf(e);
    log.warn({ webhook: shown, kind }, `notification ${kind} ping to ${shown} failed: ${why}`);
    return false;
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => {});
  }
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: NodeJS.ErrnoException };
  return err.cause?.code ?? err.cause?.message ?? err.message;
}

export interface CommandOutcome {
  /** Exit code, or null when killed or not started. */
  code: number | null;
  timedOut: boolean;
  output: string;
}

/**
 * Runs the command with `/bin/sh -c`, the summary on stdin, in its own
 * process group so a timeout kills whatever the shell started too.
 */
export function runNotifyCommand(settings: NotifySettings, summary: string, log: Logger): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let settled = false;
    const child = spawn('/bin/sh', ['-c', settings.command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const finish = (code: number | null, why: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (why) log.warn({ code, output: output.slice(0, 500) }, `notification command failed: ${why}`);
      else log.debug('notification command done');
      resolve({ code, timedOut, output });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      // Do not wait for pipes a stray grandchild may still hold open.
      finish(null, `killed after ${formatDuration(settings.timeoutMs)}`);
    }, settings.timeoutMs);
    const collect = (d: Buffer) => {
      if (output.length < 4000) output += d.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (e) => finish(null, `could not start /bin/sh: ${e.message}`));
    child.on('close', (code, signal) => finish(code, code === 0 ? null : `exit ${code ?? signal}`));
    // A command that does not read stdin closes it early: not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(clip(summary));
  });
}

async function notifyStart(settings: NotifySettings, summary: string, log: Logger): Promise<void> {
  await ping(settings, 'start', summary, log);
}

async function notifySuccess(settings: NotifySettings, summary: string, log: Logger): Promise<void> {
  await ping(settings, 'success', summary, log);
}

/** Pings `/fail` and runs the command at once; both bounded by the timeout. */
async function notifyFailure(settings: NotifySettings, summary: string, log: Logger): Promise<void> {
  await Promise.all([
    ping(settings, 'fail', summary, log),
    settings.command ? runNotifyCommand(settings, summary, log) : Promise.resolve(),
  ]);
}

/** Lines a wrapped command adds to its notification summary (files pulled, bytes...). */
export interface SummaryNotes {
  add(line: string): void;
}

function summaryHeader(commandName: string, outcome: string, ms: number, host = hostname()): string {
  return `altbackup ${commandName} on ${host}: ${outcome} after ${formatDuration(ms)}`;
}

/**
 * Runs `fn` between a start ping and a success or failure notification.
 * The start ping goes out alongside the work (it cannot delay it) and is
 * settled before the final ping, so receivers see them in order. `fn`'s
 * result or exception passes through untouched; a non-zero exit code counts
 * as a failure.
 */
export async function withNotifications<R extends number | void>(
  config: Config, log: Logger, commandName: string, fn: (notes: SummaryNotes) => Promise<R>,
): Promise<R> {
  const settings = settingsOf(config);
  if (!settings.webhook && !settings.command) return fn({ add() {} });
  const started = Date.now();
  const lines: string[] = [];
  const notes: SummaryNotes = { add: (line) => { lines.push(line); } };
  const startPing = notifyStart(settings, `altbackup ${commandName} started on ${hostname()}`, log);
  const body = (head: string) => [head, ...lines].join('\n') + '\n';
  let result: R;
  try {
    result = await fn(notes);
  } catch (e) {
    await startPing;
    await notifyFailure(settings, body(summaryHeader(commandName, `FAILED (${operatorLine(e)})`, Date.now() - started)), log);
    throw e;
  }
  await startPing;
  const code = typeof result === 'number' ? result : 0;
  if (code === 0) await notifySuccess(settings, body(summaryHeader(commandName, 'ok', Date.now() - started)), log);
  else await notifyFailure(settings, body(summaryHeader(commandName, `FAILED (exit ${code})`, Date.now() - started)), log);
  return result;
}
