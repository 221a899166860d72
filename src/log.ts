/**
 * Library code reports through this interface and never touches the console: the CLI decides where logs
 * go (stderr) and the Action maps them onto @actions/core.
 */
export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** With -v: counts, timings, cache decisions. */
  debug(message: string): void;
  /** With -vv: item by item (every file hashed, every git command). */
  trace(message: string): void;
  /** Transient progress ("hashing 1200/100000 files"); may be dropped when not on a terminal. */
  progress(message: string): void;
  /**
   * True when progress() reaches a person watching (a terminal). Long operations then redraw a bar;
   * otherwise they log a plain line every few seconds. Absent means not interactive.
   */
  readonly interactive?: boolean;
  /** Raw output of a running stage, already split into lines. */
  stageOutput(stage: string, line: string): void;
}

export const silentReporter: Reporter = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  trace: () => {},
  progress: () => {},
  stageOutput: () => {},
};
