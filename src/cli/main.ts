import { existsSync } from 'node:fs';
import pkg from '../../package.json' with { type: 'json' };
import { dirname, join, resolve } from 'node:path';
import { PIPELINE_FILE } from '../constants.js';
import { EXIT_USAGE, isLockstepError, systemErrorOf, UsageError } from '../errors.js';
import { consoleReporter } from './console-reporter.js';
import { splitGlobalFlags } from './args.js';
import type { Command } from './command.js';
import type { CommandContext } from './context.js';

/** Commands load lazily so `lockstep --version` never pays for yaml, zod or execa. One line per command. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  repro: () => import('./commands/repro.js'),
  status: () => import('./commands/status.js'),
  dag: () => import('./commands/dag.js'),
  metrics: () => import('./commands/metrics.js'),
  params: () => import('./commands/params.js'),
  gate: () => import('./commands/gate.js'),
  checkout: () => import('./commands/checkout.js'),
  gc: () => import('./commands/gc.js'),
  cache: () => import('./commands/cache.js'),
  add: () => import('./commands/add.js'),
  push: () => import('./commands/transfer.js').then((m) => ({ command: m.pushSpec })),
  pull: () => import('./commands/transfer.js').then((m) => ({ command: m.pullSpec })),
  fetch: () => import('./commands/transfer.js').then((m) => ({ command: m.fetchSpec })),
  remote: () => import('./commands/remote.js'),
  init: () => import('./commands/init.js'),
  exp: () => import('./commands/exp.js'),
  lineage: () => import('./commands/lineage.js'),
};

async function loadCommand(name: string): Promise<Command> {
  return (await COMMANDS[name]!()).command;
}

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.keys(COMMANDS).map(loadCommand));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: lockstep [-f PIPELINE] [-v|-q] <command> [args]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'options:',
    '  -f, --file FILE   pipeline file (default: pipeline.yaml here or in a parent directory);',
    '                    after a command that has its own -f (repro, checkout: --force), use --file',
    '  -v, --verbose     more logging (-vv: file by file)',
    '  -q, --quiet       only errors and warnings',
    '  --version         print the version',
    '',
    'Global options may also follow the command: lockstep repro -q, lockstep status -v --file dvc.yaml',
  ].join('\n');
}

function version(): string {
  return pkg.version;
}

/** pipeline.yaml in the current directory or the nearest parent, as git finds its repository. */
function findPipeline(): string {
  let dir = process.cwd();
  for (;;) {
    const candidate = join(dir, PIPELINE_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return resolve(PIPELINE_FILE);
    dir = parent;
  }
}

interface Global {
  file?: string;
  verbose: number;
  quiet: boolean;
  command?: string;
  rest: string[];
  version: boolean;
  help: boolean;
}

function parseGlobal(argv: string[]): Global {
  const g: Global = { verbose: 0, quiet: false, rest: [], version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-f' || a === '--file') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a file`);
      g.file = v;
    } else if (a.startsWith('--file=')) g.file = a.slice('--file='.length);
    else if (a === '-v' || a === '--verbose') g.verbose++;
    else if (a === '-vv') g.verbose += 2;
    else if (a === '-q' || a === '--quiet') g.quiet = true;
    else if (a === '--version' || a === '-V') g.version = true;
    else if (a === '-h' || a === '--help') g.help = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`, { hint: 'options of a command go after it: lockstep repro --help' });
    else {
      g.command = a;
      g.rest = argv.slice(i + 1);
      break;
    }
  }
  return g;
}

/** The only place that turns outcomes into exit codes and prints errors. */
export async function runCli(argv: string[]): Promise<number> {
  let commandName: string | undefined;
  try {
    const g = parseGlobal(argv);
    commandName = g.command;
    if (g.version) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    if (!g.command) {
      (g.help ? process.stdout : process.stderr).write(`${await usage()}\n`);
      return g.help ? 0 : EXIT_USAGE;
    }
    if (!Object.hasOwn(COMMANDS, g.command)) {
      throw new UsageError(`unknown command '${g.command}'`, { hint: `commands: ${Object.keys(COMMANDS).join(', ')}` });
    }
    const command = await loadCommand(g.command);
    if (g.help || g.rest.includes('--help') || g.rest.includes('-h')) {
      process.stdout.write(`${command.help}\n`);
      return 0;
    }
    const { flags, rest } = splitGlobalFlags(command.name, g.rest, command.options);
    const verbose = g.verbose + flags.verbose;
    const reporter = consoleReporter({ verbose, quiet: g.quiet || flags.quiet });
    // Loaded only when asked for: git.ts brings execa, which --version and a quiet status never need.
    if (verbose) (await import('../git/git.js')).traceGitCommands((line) => reporter.debug(line));
    const ctx: CommandContext = {
      pipelineFile: flags.file ?? g.file ?? findPipeline(),
      fileGiven: (flags.file ?? g.file) !== undefined,
      reporter,
      verbosity: verbose,
      stdout: (text) => process.stdout.write(`${text}\n`),
    };
    return await command.run(ctx, rest);
  } catch (thrown) {
    const err = systemErrorOf(thrown) ?? thrown;
    if (isLockstepError(err)) {
      if (err.message) process.stderr.write(`error: ${err.message}\n`);
      // A usage mistake always gets somewhere to look next, even when the thrower had nothing specific.
      const hint = err.hint ?? (err instanceof UsageError ? `see lockstep ${commandName && Object.hasOwn(COMMANDS, commandName) ? `${commandName} ` : ''}--help` : undefined);
      if (hint) process.stderr.write(`hint: ${hint}\n`);
      return err.exitCode;
    }
    process.stderr.write(`lockstep: internal error (please report it)\n${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<void> {
  // `lockstep status --remote | head -1`: a reader that stops early is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const code = await runCli(argv);
  process.exitCode = code;
  // Every command has finished its work by now, but a natural exit still runs V8's pending incremental
  // marking and teardown: ~14 ms of CPU after a 1,000-stage no-op status. Exit at once, unless output is
  // still buffered (pipes are asynchronous on macOS), which must not be cut short.
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
}
