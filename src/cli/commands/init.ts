import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE, LOCKSTEP_DIR } from '../../constants.js';
import { ensureLockstepDir } from '../../run/workspace.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

export const initHelp = `usage: lockstep init

Creates .lockstep/ (config.yaml, and a .gitignore that keeps the cache and temp files out of git).`;

const options = {} satisfies Options;

export async function initCommand(ctx: CommandContext, args: string[]): Promise<number> {
  parseCommandArgs('init', args, options);
  const root = resolve(ctx.pipelineFile, '..');
  const created = ensureLockstepDir(root);
  const config = join(root, LOCKSTEP_DIR, CONFIG_FILE);
  if (!existsSync(config)) writeFileSync(config, '# lockstep settings: remotes, cache link mode (see the README)\n');
  ctx.reporter.info(created ? `Initialized ${join(root, LOCKSTEP_DIR)}` : `${join(root, LOCKSTEP_DIR)} already exists; nothing changed`);
  return 0;
}

export const command: Command = {
  name: 'init',
  summary: 'create .lockstep/ with its .gitignore',
  help: initHelp,
  options,
  run: initCommand,
};
