import type { Options } from './args.js';
import type { CommandContext } from './context.js';

/** What a command module exports: adding a command is one line in main.ts's table. */
export interface Command {
  name: string;
  /** One line for `lockstep --help`. */
  summary: string;
  help: string;
  /** Its options (node:util parseArgs shape), so global flags can be told apart wherever they stand. */
  options: Options;
  run(ctx: CommandContext, args: string[]): Promise<number>;
}
