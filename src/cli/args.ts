import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's messages say how to parse; ours say what was wrong and where to look. */
function usageError(command: string, err: unknown): UsageError {
  const hint = `see lockstep ${command} --help`;
  const code = (err as { code?: string }).code;
  const message = (err as Error).message;
  // node says '-j, --jobs <value>'; we name the long form alone.
  const option = /'(-[^']*)'/.exec(message)?.[1]?.replace(/ <value>$/, '').split(', ').pop();
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return new UsageError(`unknown option ${option} for '${command}'`, { hint });
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/ambiguous/.test(message)) return new UsageError(`option ${option} of '${command}' needs a value; one that starts with - is written ${option}=-1`, { hint });
    return new UsageError(`option ${option} of '${command}' ${/argument missing/.test(message) ? 'needs a value' : 'takes no value'}`, { hint });
  }
  return new UsageError(`${command}: ${message}`, { hint });
}

/** node:util parseArgs with our error type, so a bad flag exits 2 with a hint instead of a stack. */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(command, err);
  }
}

export interface GlobalFlags {
  file?: string;
  /** How many times -v was given. */
  verbose: number;
  quiet: boolean;
  help: boolean;
}

/**
 * Global flags may follow the command, as in git and DVC (`lockstep repro -q`, `status -v --file x.yaml`).
 * They are taken out of the command's arguments here; the rest is handed to the command re-spelled in
 * long form. `-f` after a command is its own when it defines one (`repro -f` forces, as in DVC), else
 * the pipeline file.
 */
export function splitGlobalFlags(command: string, args: string[], own: Options): { flags: GlobalFlags; rest: string[] } {
  const ownShort = new Set(Object.values(own).map((o) => o.short));
  const globals: Options = {
    verbose: { type: 'boolean', short: 'v', multiple: true },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
    file: { type: 'string', ...(ownShort.has('f') ? {} : { short: 'f' }) },
  };
  let tokens;
  try {
    ({ tokens } = parseArgs({ args, options: { ...own, ...globals }, allowPositionals: true, strict: true, tokens: true }));
  } catch (err) {
    throw usageError(command, err);
  }
  const flags: GlobalFlags = { verbose: 0, quiet: false, help: false };
  const rest: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') rest.push(t.value);
    else if (t.kind === 'option-terminator') rest.push('--');
    else if (t.name === 'verbose') flags.verbose++;
    else if (t.name === 'quiet') flags.quiet = true;
    else if (t.name === 'help') flags.help = true;
    else if (t.name === 'file') flags.file = t.value!;
    else rest.push(t.value === undefined ? `--${t.name}` : `--${t.name}=${t.value}`);
  }
  return { flags, rest };
}
