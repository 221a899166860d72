import * as core from '@actions/core';
import type { Reporter } from '../log.js';

export interface ActionsReporter extends Reporter {
  /** Closes the open stage group, if any (call after the stages ran). */
  endStageGroup(): void;
}

/** The scheduler's line when a stage starts (src/run/scheduler.ts): it opens the stage's log group. */
const STAGE_START = /^Running stage '(.+)':/;

/**
 * The engine's Reporter on the runner: warnings and errors become annotations, and each stage's command and
 * output go into its own collapsible group (the Action runs stages one at a time, so groups never overlap).
 */
export function actionsReporter(): ActionsReporter {
  let openStage: string | undefined;
  const endStageGroup = () => {
    if (openStage === undefined) return;
    core.endGroup();
    openStage = undefined;
  };
  const openGroup = (stage: string) => {
    endStageGroup();
    core.startGroup(`stage ${stage}`);
    openStage = stage;
  };
  return {
    info: (m) => {
      const started = STAGE_START.exec(m)?.[1];
      if (started !== undefined) openGroup(started);
      core.info(m);
    },
    warn: (m) => core.warning(m),
    error: (m) => core.error(m),
    debug: (m) => core.debug(m),
    trace: (m) => core.debug(m),
    // Transient progress lines would flood a CI log that keeps every line.
    progress: (m) => core.debug(m),
    stageOutput: (stage, line) => {
      if (openStage !== stage) openGroup(stage);
      core.info(line);
    },
    endStageGroup,
  };
}
