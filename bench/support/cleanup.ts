/**
 * Everything the bench starts (servers, temp dirs) is registered here and
 * torn down in reverse order at the end, on error, and on SIGINT/SIGTERM, so
 * a failed run leaves no sshd or nginx behind.
 */
/** Awaited; what it resolves with (a server's exit code) is ignored. */
export type Undo = () => unknown;

export class Cleanup {
  private readonly undos: { label: string; undo: Undo }[] = [];
  private running: Promise<void> | null = null;

  add(label: string, undo: Undo): () => Promise<void> {
    const entry = { label, undo };
    this.undos.push(entry);
    // Undo one item early (e.g. a server between scenarios) and forget it.
    return async () => {
      const i = this.undos.indexOf(entry);
      if (i < 0) return;
      this.undos.splice(i, 1);
      await undo();
    };
  }

  /** Runs every undo, newest first; errors are reported, never stop the rest. */
  runAll(report: (line: string) => void = () => {}): Promise<void> {
    this.running ??= (async () => {
      while (this.undos.length > 0) {
        const { label, undo } = this.undos.pop()!;
        try {
          await undo();
        } catch (e) {
          report(`cleanup of ${label} failed: ${(e as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /** Cleans up and exits on SIGINT/SIGTERM. */
  onSignals(report: (line: string) => void): void {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        report(`${sig}: stopping servers and removing temp files`);
        void this.runAll(report).finally(() => process.exit(130));
      });
    }
  }
}
