import { commandDays, isWanted, type CommandContext } from '@altbackup/shared';
import { listingJson, listingText, type Selection } from '../listing.js';
import { scanDays } from '../localScan.js';
import { requireRoot } from '../sourceRoot.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const root = requireRoot(ctx.config);
  const days = commandDays(ctx);
  const selection: Selection = { complete: [], pending: [], invalid: [] };
  for (const e of await scanDays(root, days)) {
    if (isWanted(e.name, ctx.config.wanted)) selection[e.state].push(e);
  }
  ctx.out.write(ctx.opts.json ? JSON.stringify(listingJson(days, selection), null, 2) + '\n' : listingText(days, selection));
}
