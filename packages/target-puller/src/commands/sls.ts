import { commandDays, type CommandContext } from '@altbackup/shared';

import { fetchListing, formatSourceList } from '../source/sourceListing.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const days = commandDays(ctx);
  const listing = await fetchListing(ctx.config, { days, wanted: ctx.config.wanted }, ctx.log);
  ctx.out.write(ctx.opts.json ? JSON.stringify(listing, null, 2) + '\n' : formatSourceList(listing));
}
