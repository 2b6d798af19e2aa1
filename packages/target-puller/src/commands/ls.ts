import { selectDays, type CommandContext } from '@altbackup/shared';
import { formatTargetList, listTarget } from '../target/targetList.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const day = ctx.opts.day as string | undefined;
  const since = ctx.opts.since as string | undefined;
  const days = day || since ? new Set(selectDays({ day, since }, { timezone: ctx.config.timezone })) : undefined;
  const rows = await listTarget(ctx.config, days);
  ctx.out.write(ctx.opts.json ? JSON.stringify(rows, null, 2) + '\n' : formatTargetList(rows));
}
