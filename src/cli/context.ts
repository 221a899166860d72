import type { Reporter } from '../log.js';

export interface CommandContext {
  pipelineFile: string;
  /** True when --file named the pipeline file; otherwise it was looked for from the current folder up. */
  fileGiven: boolean;
  reporter: Reporter & { setPrefixStages(on: boolean): void };
  /** How many times -v was given (0: normal, 1: details, 2: file by file). */
  verbosity: number;
  /** Data output (tables, JSON): stdout. */
  stdout(text: string): void;
}
