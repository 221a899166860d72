import type { z as Z } from 'zod';
import { lazyZod } from '../util/lazy-modules.js';

/** The message of a stage without `cmd`; load.ts words it as `stage NAME: missing cmd`. */
export const MISSING_CMD = 'missing cmd';

/**
 * The written shape of pipeline.yaml: exactly what a user may type, DVC's `dvc.yaml` stage syntax plus
 * our additions (`env`, `gates`, `data`). Unknown keys are errors so typos never pass silently. The normalized
 * shape the rest of the code works with lives in types.ts. Built on first use, so a command whose
 * pipeline parse is memoized never loads zod.
 */
export const STAGE_NAME = /^[A-Za-z0-9_@-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function build() {
  const { z } = lazyZod();
  const nonEmpty = z.string().min(1, 'must not be empty');

  // `remote` and `push` are DVC's per-out remote settings, `desc`/`type`/`labels`/`meta` its annotations
  // and `checkpoint` a DVC 2 flag: accepted so a dvc.yaml runs unchanged, never part of a fingerprint.
  const outFlags = z.strictObject({
    cache: z.boolean().optional(),
    persist: z.boolean().optional(),
    desc: z.string().optional(),
    type: z.string().optional(),
    labels: z.array(z.string()).optional(),
    meta: z.unknown().optional(),
    checkpoint: z.boolean().optional(),
    remote: nonEmpty.optional(),
    push: z.boolean().optional(),
  });

  /** DVC's plot outs also carry rendering hints (x, y, template…), which only a plot viewer reads. */
  const plotFlags = outFlags.extend({
    x: z.unknown().optional(),
    y: z.unknown().optional(),
    template: z.unknown().optional(),
    title: z.unknown().optional(),
    x_label: z.unknown().optional(),
    y_label: z.unknown().optional(),
    header: z.unknown().optional(),
  });
  const plotEntry = z.union([
    nonEmpty,
    z.record(nonEmpty, plotFlags.nullable()).refine((o) => Object.keys(o).length === 1, 'a plot entry maps exactly one path to its flags'),
  ]);

  /** `path` or `{path: {cache, persist}}` with exactly one key. */
  const outEntry = z.union([
    nonEmpty,
    z
      .record(nonEmpty, outFlags.nullable())
      .refine((o) => Object.keys(o).length === 1, 'an out entry maps exactly one path to its flags'),
  ]);

  /** `key`, or `{file.yaml: [keys]}`, or `{file.yaml: null}` for the whole file. */
  const paramsEntry = z.union([nonEmpty, z.record(nonEmpty, z.array(nonEmpty).nullable())]);

  /** `file.yaml`, `file.yaml:key1,key2`, or an inline map: values for `${}` (DVC's `vars`). */
  const varsList = z.array(z.union([nonEmpty, z.record(nonEmpty, z.unknown())]));

  const writtenStage = z.strictObject({
    vars: varsList.optional(),
    desc: z.string().optional(),
    meta: z.unknown().optional(),
    cmd: z.union([nonEmpty, z.array(nonEmpty).min(1, 'must list at least one command')], {
      error: (iss) => (iss.input === undefined ? MISSING_CMD : 'must be a command (a string) or a list of commands'),
    }),
    wdir: nonEmpty.optional(),
    deps: z.array(nonEmpty).optional(),
    params: z.array(paramsEntry).optional(),
    outs: z.array(outEntry).optional(),
    metrics: z.array(outEntry).optional(),
    plots: z.array(plotEntry).optional(),
    env: z.array(z.string().regex(ENV_NAME, 'must be an environment variable name')).optional(),
    frozen: z.boolean().optional(),
    always_changed: z.boolean().optional(),
  });

  /** DVC's `foreach`/`do`: one stage per item of a list or map (or of a `${var}` holding one). */
  const foreachStage = z.strictObject({
    foreach: z.union([z.array(z.unknown()).min(1, 'needs at least one item'), z.record(z.string(), z.unknown()), z.string()]),
    do: writtenStage,
  });
  /** DVC's `matrix`: one stage per combination of the listed values. */
  const matrixStage = writtenStage.extend({
    matrix: z.record(nonEmpty, z.union([z.array(z.unknown()).min(1, 'needs at least one value'), z.string()])),
  });

  const bound = z.number().finite();

  const writtenGate = z
    .strictObject({
      path: nonEmpty.optional(),
      min: bound.optional(),
      max: bound.optional(),
      max_drop: bound.nonnegative().optional(),
      max_rise: bound.nonnegative().optional(),
      max_drop_pct: bound.nonnegative().optional(),
      max_rise_pct: bound.nonnegative().optional(),
      direction: z.enum(['higher', 'lower']).optional(),
      level: z.enum(['error', 'warn']).optional(),
    })
    .refine(
      (g) => ['min', 'max', 'max_drop', 'max_rise', 'max_drop_pct', 'max_rise_pct'].some((k) => k in g),
      'a gate needs at least one of min, max, max_drop, max_rise, max_drop_pct, max_rise_pct',
    );

  // Stages are checked one by one against the shape their keys announce (plain, foreach, matrix), so a
  // typo in a plain stage is reported as an unknown key rather than as "matches no alternative".
  const writtenPipeline = z.strictObject({
    vars: varsList.optional(),
    // Optional: a file of only metrics/plots/params (as DVCLive writes) is a pipeline with no stages.
    stages: z.record(z.string().regex(STAGE_NAME, 'stage names use letters, digits, - and _'), z.record(z.string(), z.unknown())).optional(),
    metrics: z.array(nonEmpty).optional(),
    gates: z.record(nonEmpty, writtenGate).optional(),
    // Raw data paths recorded by `lockstep add` (relative to the pipeline file's folder).
    data: z.array(nonEmpty).optional(),
    // dvc.yaml's top-level plot definitions, artifact registry, datasets and extra params files: accepted
    // so an existing dvc.yaml runs unchanged; lockstep does not use them (yet).
    plots: z.unknown().optional(),
    artifacts: z.unknown().optional(),
    datasets: z.unknown().optional(),
    params: z.array(z.unknown()).optional(),
  });
  return { writtenStage, foreachStage, matrixStage, writtenGate, writtenPipeline };
}

let schemas: ReturnType<typeof build> | undefined;
export const pipelineSchemas = () => (schemas ??= build());

type Schemas = ReturnType<typeof build>;
export type WrittenStage = Z.infer<Schemas['writtenStage']>;
export type ForeachStage = Z.infer<Schemas['foreachStage']>;
export type MatrixStage = Z.infer<Schemas['matrixStage']>;
export type StageDefinition = WrittenStage | ForeachStage | MatrixStage;
export type WrittenPipeline = Omit<Z.infer<Schemas['writtenPipeline']>, 'stages'> & { stages?: Record<string, StageDefinition> };
export type VarsList = NonNullable<WrittenStage['vars']>;

/** The schema a stage definition is checked against, chosen by the keys it has. */
export function stageSchemaFor(def: Record<string, unknown>) {
  const s = pipelineSchemas();
  return 'foreach' in def || 'do' in def ? s.foreachStage : 'matrix' in def ? s.matrixStage : s.writtenStage;
}
export type WrittenGate = Z.infer<Schemas['writtenGate']>;
