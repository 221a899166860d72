import * as core from '@actions/core';
import type { Reporter } from '../log.js';

export interface ActionsReporter extends Reporter {
  /** Closes the open stage group, if any (call after the stages ran). */
  endStageGroup(): void;
}

/**
 * The engine's Reporter on the runner: warnings and errors become annotations, and each stage's output goes
 * into its own collapsible group (stages run one at a time in the Action, so a new stage name starts a group).
 */
export function actionsReporter(): ActionsReporter {
  let openStage: string | undefined;
  const endStageGroup = () => {
    if (openStage === undefined) return;
    core.endGroup();
    openStage = undefined;
  };
  return {
    info: (m) => core.info(m),
    warn: (m) => core.warning(m),
    error: (m) => core.error(m),
    debug: (m) => core.debug(m),
    // Transient progress lines would flood a CI log that keeps every line.
    progress: (m) => core.debug(m),
    stageOutput: (stage, line) => {
      if (openStage !== stage) {
        endStageGroup();
        core.startGroup(`stage ${stage}`);
        openStage = stage;
      }
      core.info(line);
    },
    endStageGroup,
  };
}
