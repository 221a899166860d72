import type { Reporter } from '../log.js';

export interface ConsoleReporterOptions {
  /** 0 or absent: no debug lines; 1 or more: debug lines. */
  verbose?: number;
  quiet?: boolean;
  /** Prefix each line of stage output with the stage name (parallel runs). */
  prefixStages?: boolean;
}

/** Logs and stage output go to stderr, so stdout stays clean for data (`--json`, tables). */
export function consoleReporter(opts: ConsoleReporterOptions = {}): Reporter & { setPrefixStages(on: boolean): void } {
  let prefix = opts.prefixStages ?? false;
  const tty = process.stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) {
      process.stderr.write('\r\x1b[K');
      progressShown = false;
    }
  };
  const line = (text: string) => {
    clearProgress();
    process.stderr.write(`${text}\n`);
  };
  return {
    interactive: tty && !opts.quiet,
    info: (m) => {
      if (!opts.quiet) line(m);
    },
    warn: (m) => line(`warning: ${m}`),
    error: (m) => line(`error: ${m}`),
    debug: (m) => {
      if (opts.verbose) line(`debug: ${m}`);
    },
    trace: (m) => {
      if ((opts.verbose ?? 0) > 1) line(`trace: ${m}`);
    },
    progress: (m) => {
      if (!tty || opts.quiet) return;
      process.stderr.write(`\r\x1b[K${m}`);
      progressShown = true;
    },
    stageOutput: (stage, text) => line(prefix ? `${stage} | ${text}` : text),
    setPrefixStages: (on) => {
      prefix = on;
    },
  };
}
