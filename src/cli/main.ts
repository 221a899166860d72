import { existsSync } from 'node:fs';
import pkg from '../../package.json' with { type: 'json' };
import { dirname, join, resolve } from 'node:path';
import { PIPELINE_FILE } from '../constants.js';
import { EXIT_USAGE, isLockstepError, UsageError } from '../errors.js';
import { consoleReporter } from './console-reporter.js';
import type { CommandContext } from './context.js';

type Command = (ctx: CommandContext, args: string[]) => Promise<number>;

/** Commands load lazily so `lockstep --version` never pays for yaml, zod or execa. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command; help: string }> }> = {
  repro: {
    summary: 'run the stages whose inputs changed',
    load: async () => {
      const m = await import('./commands/repro.js');
      return { run: m.reproCommand, help: m.reproHelp };
    },
  },
  status: {
    summary: 'say what repro would run and why',
    load: async () => {
      const m = await import('./commands/status.js');
      return { run: m.statusCommand, help: m.statusHelp };
    },
  },
  dag: {
    summary: 'print the stage graph (ascii, --mermaid, --dot, --json)',
    load: async () => {
      const m = await import('./commands/dag.js');
      return { run: m.dagCommand, help: m.dagHelp };
    },
  },
  metrics: {
    summary: 'show metrics, or diff them between revisions',
    load: async () => {
      const m = await import('./commands/metrics.js');
      return { run: m.metricsCommand, help: m.metricsHelp };
    },
  },
  params: {
    summary: 'diff the params the stages use between revisions',
    load: async () => {
      const m = await import('./commands/params.js');
      return { run: m.paramsCommand, help: m.paramsHelp };
    },
  },
  gate: {
    summary: 'evaluate the gates on the metrics; exit 1 when one fails',
    load: async () => {
      const m = await import('./commands/gate.js');
      return { run: m.gateCommand, help: m.gateHelp };
    },
  },
  checkout: {
    summary: 'make workspace outs match the lock, from the cache',
    load: async () => {
      const m = await import('./commands/checkout.js');
      return { run: m.checkoutCommand, help: m.checkoutHelp };
    },
  },
  gc: {
    summary: 'remove cache objects no lock references',
    load: async () => {
      const m = await import('./commands/gc.js');
      return { run: m.gcCommand, help: m.gcHelp };
    },
  },
  cache: {
    summary: 'cache verify: re-hash every object, move corrupt ones aside',
    load: async () => {
      const m = await import('./commands/cache.js');
      return { run: m.cacheCommand, help: m.cacheHelp };
    },
  },
  push: {
    summary: 'upload the cached outs and run records to a remote',
    load: async () => {
      const m = await import('./commands/transfer.js');
      return { run: m.pushCommand, help: m.pushHelp };
    },
  },
  pull: {
    summary: 'download the outs from a remote and check them out',
    load: async () => {
      const m = await import('./commands/transfer.js');
      return { run: m.pullCommand, help: m.pullHelp };
    },
  },
  fetch: {
    summary: 'download the outs and run records into the cache only',
    load: async () => {
      const m = await import('./commands/transfer.js');
      return { run: m.fetchCommand, help: m.fetchHelp };
    },
  },
  remote: {
    summary: 'remote add|modify|list|remove|default: configure remotes',
    load: async () => {
      const m = await import('./commands/remote.js');
      return { run: m.remoteCommand, help: m.remoteHelp };
    },
  },
  init: {
    summary: 'create .lockstep/ with its .gitignore',
    load: async () => {
      const m = await import('./commands/init.js');
      return { run: m.initCommand, help: m.initHelp };
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: lockstep [-f PIPELINE] [-v|-q] <command> [args]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'options:',
    '  -f, --file FILE   pipeline file (default: pipeline.yaml here or in a parent directory)',
    '  -v, --verbose     more logging',
    '  -q, --quiet       only errors and warnings',
    '  --version         print the version',
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
  verbose: boolean;
  quiet: boolean;
  command?: string;
  rest: string[];
  version: boolean;
  help: boolean;
}

function parseGlobal(argv: string[]): Global {
  const g: Global = { verbose: false, quiet: false, rest: [], version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-f' || a === '--file') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a file`);
      g.file = v;
    } else if (a.startsWith('--file=')) g.file = a.slice('--file='.length);
    else if (a === '-v' || a === '--verbose') g.verbose = true;
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
      (g.help ? process.stdout : process.stderr).write(`${usage()}\n`);
      return g.help ? 0 : EXIT_USAGE;
    }
    const entry = COMMANDS[g.command];
    if (!entry) throw new UsageError(`unknown command '${g.command}'`, { hint: `commands: ${Object.keys(COMMANDS).join(', ')}` });
    const command = await entry.load();
    if (g.help || g.rest.includes('--help') || g.rest.includes('-h')) {
      process.stdout.write(`${command.help}\n`);
      return 0;
    }
    const ctx: CommandContext = {
      pipelineFile: g.file ?? findPipeline(),
      reporter: consoleReporter({ verbose: g.verbose, quiet: g.quiet }),
      stdout: (text) => process.stdout.write(`${text}\n`),
    };
    return await command.run(ctx, g.rest);
  } catch (err) {
    if (isLockstepError(err)) {
      if (err.message) process.stderr.write(`error: ${err.message}\n`);
      // A usage mistake always gets somewhere to look next, even when the thrower had nothing specific.
      const hint = err.hint ?? (err instanceof UsageError ? `see lockstep ${commandName && COMMANDS[commandName] ? `${commandName} ` : ''}--help` : undefined);
      if (hint) process.stderr.write(`hint: ${hint}\n`);
      return err.exitCode;
    }
    process.stderr.write(`lockstep: internal error (please report it)\n${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  process.exitCode = code;
}
