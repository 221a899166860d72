import type { Reporter } from '../log.js';

export interface CommandContext {
  pipelineFile: string;
  reporter: Reporter & { setPrefixStages(on: boolean): void };
  /** Data output (tables, JSON): stdout. */
  stdout(text: string): void;
}
