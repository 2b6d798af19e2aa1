/**
 * The target configuration that fits a sample tree (sampleTree.ts): the
 * names it makes, and how many tarballs of each a complete day holds (two
 * dybsvn, the svn dump and the Trac instance; one dybaux; one svnsetup).
 * The demo and the tests that run the target's commands on a sample tree
 * write this instead of restating the sample's facts.
 */
export function sampleTargetToml(root: string, sources: readonly string[], targetSettings: readonly string[] = []): string {
  return [
    'timezone = "UTC"',
    'wanted = ["dybsvn", "dybaux", "svnsetup"]',
    'log_level = "warn"',
    '[target]',
    `root = ${JSON.stringify(root)}`,
    `sources = ${JSON.stringify(sources)}`,
    'retry_min_delay = "100ms"',
    // The sample's tarballs are small: leave room for them, not the production margin of free space.
    'min_free = "16M"',
    ...targetSettings,
    '[expect]',
    'dybsvn = 2',
    'dybaux = 1',
    'svnsetup = 1',
    '',
  ].join('\n');
}
