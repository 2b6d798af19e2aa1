/**
 * Bash completion for a program, generated from its definition at package
 * time (scripts/packageDeb.ts), so the completion offers exactly the
 * commands and flags that `--help` lists and cannot drift from them.
 */
import { COMMON_FLAGS, type ProgramDef } from './cliRunner.js';
import { CONFIG_KEYS } from './configSchema.js';

/** The flags of `def`, each with whether it takes a value and whether that value is a path. */
function flagsOf(def: ProgramDef): { flag: string; value: 'none' | 'path' | 'other' }[] {
  const own = Object.entries({ ...COMMON_FLAGS, ...def.flags }).map(([flag, f]) => ({
    flag,
    value: f.type === 'boolean' ? 'none' as const : /FILE|DIR|PATH/.test(f.value ?? '') ? 'path' as const : 'other' as const,
  }));
  const fromConfig = CONFIG_KEYS.filter((k) => k.flag && k.programs.includes(def.program)).map((k) => ({
    flag: k.flag!,
    value: k.kind === 'bool' ? 'none' as const : k.kind === 'path' ? 'path' as const : 'other' as const,
  }));
  return [...own, ...fromConfig];
}

/** A bash completion script for `def.name`: commands (with aliases) and flags; paths after flags that take one. */
export function bashCompletion(def: ProgramDef): string {
  const fn = `_${def.name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const commands = def.commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  const flags = flagsOf(def);
  const withPath = flags.filter((f) => f.value === 'path').map((f) => `--${f.flag}`);
  const withOther = flags.filter((f) => f.value === 'other').map((f) => `--${f.flag}`);
  return [
    `# bash completion for ${def.name}, generated from its command definitions`,
    `${fn}() {`,
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    '  case $prev in',
    ...(withPath.length ? [`    ${withPath.join('|')})`, '      COMPREPLY=($(compgen -f -- "$cur")); return ;;'] : []),
    // A value that is no path (a day, a size, a URL): nothing sensible to offer.
    ...(withOther.length ? [`    ${withOther.join('|')})`, '      COMPREPLY=(); return ;;'] : []),
    '  esac',
    '  if [[ $cur == -* ]]; then',
    `    COMPREPLY=($(compgen -W '${flags.map((f) => `--${f.flag}`).join(' ')}' -- "$cur"))`,
    '  else',
    `    COMPREPLY=($(compgen -W '${commands.join(' ')}' -- "$cur"))`,
    '  fi',
    '}',
    `complete -F ${fn} ${def.name}`,
    '',
  ].join('\n');
}
