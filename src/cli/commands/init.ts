import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { CONFIG_FILE, DEFAULT_PARAMS_FILE, PIPELINE_FILE, stateDirOf } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { ensureLockstepDir } from '../../run/workspace.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { EXAMPLE_PARAMS, EXAMPLE_PIPELINE } from '../templates/example.js';

export const initHelp = `usage: lockstep init [--example]

Creates .lockstep/ at the repository root (config.yaml, and a .gitignore that keeps the cache and temp files out of git).

  --example   also write a small, commented pipeline.yaml and params.yaml that run as is
              (never overwrites: refused when either file exists)`;

const options = { example: { type: 'boolean' } } satisfies Options;

export async function initCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { values } = parseCommandArgs('init', args, options);
  // The current folder (a new pipeline in a subfolder), not the one a pipeline file was found in above it.
  const root = ctx.fileGiven ? resolve(ctx.pipelineFile, '..') : process.cwd();
  // `--file ml.yaml init --example` writes the example under that name.
  const pipelineName = ctx.fileGiven ? basename(ctx.pipelineFile) : PIPELINE_FILE;
  const files = { [pipelineName]: EXAMPLE_PIPELINE, [DEFAULT_PARAMS_FILE]: EXAMPLE_PARAMS };
  if (values.example) {
    if (pipelineName === DEFAULT_PARAMS_FILE) {
      throw new UsageError(`--file ${DEFAULT_PARAMS_FILE}: the example's params file has that name`, { hint: 'name the pipeline file otherwise, e.g. pipeline.yaml' });
    }
    const existing = Object.keys(files).filter((f) => existsSync(join(root, f)));
    if (existing.length) {
      throw new UsageError(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''} in ${root}; init --example never overwrites`, {
        hint: `run it in an empty folder, or write your stages into the existing ${pipelineName}`,
      });
    }
  }
  if (values.example) mkdirSync(root, { recursive: true });
  // In a subfolder of a repository, the repository's .lockstep/: there is one, whichever folder pipelines are in.
  const created = ensureLockstepDir(root);
  const stateDir = stateDirOf(root);
  const config = join(stateDir, CONFIG_FILE);
  if (!existsSync(config)) writeFileSync(config, '# lockstep settings: remotes, cache link mode (see the README)\n');
  ctx.reporter.info(created ? `Initialized ${stateDir}` : `${stateDir} already exists; nothing changed`);
  if (values.example) {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text, { flag: 'wx' });
    ctx.reporter.info(`Wrote ${Object.keys(files).join(' and ')}`);
  }
  const here = relative(process.cwd(), root) || '.';
  const hasPipeline = existsSync(join(root, pipelineName));
  const file = pipelineName === PIPELINE_FILE && here === '.' ? '' : `-f ${join(here, pipelineName)} `;
  ctx.reporter.info(
    [
      'Next:',
      hasPipeline ? `  lockstep ${file}status      what would run, and why` : `  write ${join(here, pipelineName)} (or start from lockstep ${file}init --example)`,
      `  lockstep ${file}repro       run the stages whose inputs changed`,
      '  git add -A && git commit -m "lockstep pipeline"   (outputs are git-ignored; the lock and metrics are committed)',
    ].join('\n'),
  );
  return 0;
}

export const command: Command = {
  name: 'init',
  summary: 'create .lockstep/ (--example: a small pipeline that runs as is)',
  help: initHelp,
  options,
  run: initCommand,
};
