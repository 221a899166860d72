import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LockstepError } from '../errors.js';
import { REPORT_JSON, REPORT_VERSION } from './constants.js';

/**
 * What one Action run found, as plain JSON: the comment and the job summary are rendered from it, and
 * `mode: comment` renders it again from a downloaded artifact. The schema is strict because in that mode
 * the file comes from a run of untrusted pull-request code: it is data, checked field by field, never code.
 */
const value = z.union([z.number(), z.string(), z.boolean(), z.null()]);
const status = z.enum(['pass', 'fail', 'warn', 'n/a']);

const reportSchema = z.strictObject({
  version: z.literal(REPORT_VERSION),
  command: z.enum(['repro', 'status', 'gate']),
  verdict: z.enum(['pass', 'fail']),
  error: z.strictObject({ message: z.string(), hint: z.string().optional() }).optional(),
  repository: z.string().optional(),
  pullRequest: z.number().int().positive().optional(),
  baseSha: z.string().regex(/^[0-9a-f]{40}$/).optional(),
  headSha: z.string().regex(/^[0-9a-f]{40}$/).optional(),
  runUrl: z.url().optional(),
  gatesFrom: z.string().optional(),
  gatesChanged: z.boolean(),
  gates: z.array(
    z.strictObject({
      metric: z.string(),
      path: z.string().optional(),
      bound: z.string(),
      level: z.enum(['error', 'warn']),
      status,
      value: z.number().optional(),
      baseline: z.number().optional(),
      note: z.string().optional(),
    }),
  ),
  metrics: z.array(
    z.strictObject({
      path: z.string(),
      name: z.string(),
      base: value.optional(),
      current: value.optional(),
      change: z.number().optional(),
      changePct: z.number().optional(),
      gates: z.array(z.string()),
      status: status.optional(),
    }),
  ),
  params: z.array(z.strictObject({ path: z.string(), name: z.string(), old: z.unknown().optional(), new: z.unknown().optional() })),
  stages: z.array(
    z.strictObject({
      name: z.string(),
      status: z.enum(['ran', 'restored', 'skipped', 'frozen', 'failed', 'blocked', 'interrupted', 'not-started', 'would-run']),
      durationMs: z.number().optional(),
    }),
  ),
  dag: z.strictObject({ nodes: z.array(z.string()), edges: z.array(z.tuple([z.string(), z.string()])) }),
});

export type ActionReport = z.infer<typeof reportSchema>;
export type MetricRow = ActionReport['metrics'][number];
export type StageRow = ActionReport['stages'][number];

/** The report a `mode: report` run wrote into `dir`, checked against the schema. */
export function readReport(dir: string): ActionReport {
  const file = join(dir, REPORT_JSON);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LockstepError('E_REPORT', `cannot read the lockstep report ${file}: ${(err as Error).message}`, {
      hint: 'download the artifact of the mode: report run into report-dir before this step',
      cause: err,
    });
  }
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new LockstepError('E_REPORT', `${file} is not a lockstep report of version ${REPORT_VERSION}: ${problems.join('; ')}`, {
      hint: 'use the same version of the Action in the report and the comment workflow',
    });
  }
  return parsed.data;
}

/** Stages whose failure fails the step. */
export function failedStages(r: ActionReport): StageRow[] {
  return r.stages.filter((s) => s.status === 'failed' || s.status === 'blocked');
}
