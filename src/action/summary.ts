import * as core from '@actions/core';
import type { Reporter } from '../log.js';

/** The job summary needs no permission, so it is always written, whatever else failed. */
export async function writeSummary(markdown: string, reporter: Reporter): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    reporter.debug('GITHUB_STEP_SUMMARY is not set: not running on a GitHub runner, no job summary');
    return;
  }
  await core.summary.addRaw(markdown, true).write({ overwrite: false });
}
