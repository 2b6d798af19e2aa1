import { isWanted, selectDays, type CommandContext } from '@altbackup/shared';
import { listingJson, listingText, type Selection } from '../listing.js';
import { scanDays } from '../localScan.js';
import { requireRoot } from '../sourceRoot.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const root = requireRoot(ctx.config);
  const days = selectDays({ day: ctx.opts.day as string | undefined, since: ctx.opts.since as string | undefined }, { timezone: ctx.config.timezone });
  const selection: Selection = { complete: [], pending: [], invalid: [] };
  const entries = (await scanDays(root, days)).sort((a, b) => (a.day + a.path < b.day + b.path ? -1 : 1));
  for (const e of entries) {
    if (isWanted(e.name, ctx.config.wanted)) selection[e.state].push(e);
  }
  ctx.out.write(ctx.opts.json ? JSON.stringify(listingJson(days, selection), null, 2) + '\n' : listingText(days, selection));
}
