/** deploy/prometheus/altbackup.rules.yml as data, for the tests that check it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO } from './processes.js';

export const RULES_FILE = join(REPO, 'deploy', 'prometheus', 'altbackup.rules.yml');

export interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Every alerting rule of the rules file. */
export function alertRules(): Rule[] {
  const doc = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}
