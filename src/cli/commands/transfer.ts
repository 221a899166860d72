import { UsageError } from '../../errors.js';
import { fetch, pull, type FetchSummary } from '../../run/fetch.js';
import { push, type TransferOptions } from '../../run/push.js';
import { openWorkspace } from '../../run/workspace.js';
import { parseCommandArgs, type Options } from '../args.js';
import { loadForOutTargets, RECURSIVE_OPTION } from '../pipeline-source.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

const COMMON = `  -r, --remote NAME   the remote (default: the default remote)
  -j, --jobs N        transfers in flight (default: the remote's jobs key; 32 for S3, 8 for a directory)
  --no-run-cache      leave the run records behind (they travel by default)
  -R, --recursive     every pipeline file of the repository (or under the folders given)`;

export const pushHelp = `usage: lockstep push [-r NAME] [-R] [targets...] [-j N] [--no-run-cache]

Uploads the outs pipeline.lock references (for targets: those stages' outs) and the run records
to the remote. Objects go first; a run record only once every object it points to is there.
${COMMON}`;

export const fetchHelp = `usage: lockstep fetch [-r NAME] [-R] [targets...] [-j N] [--no-run-cache]

Downloads what pipeline.lock references into the local cache (verified against its sha256),
and merges the remote's run records into the local run-cache. The workspace is not touched.
${COMMON}`;

export const pullHelp = `usage: lockstep pull [-r NAME] [-R] [targets...] [-j N] [--no-run-cache] [--force]

fetch, then checkout: the workspace outs match pipeline.lock. A file whose current content is not
in the cache is kept unless --force.
${COMMON}
  -f, --force         overwrite outs even when their current content would be lost`;

const options = {
  remote: { type: 'string', short: 'r' },
  jobs: { type: 'string', short: 'j' },
  'no-run-cache': { type: 'boolean' },
  ...RECURSIVE_OPTION,
} satisfies Options;

const pullOptions = { ...options, force: { type: 'boolean', short: 'f' } } satisfies Options;

function parse(ctx: CommandContext, name: string, args: string[], own: Options) {
  const { values, positionals } = parseCommandArgs(name, args, own);
  const { pipeline, targets } = loadForOutTargets(ctx, values.recursive === true, positionals);
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, got '${String(values.jobs)}'`);
  }
  const opts: TransferOptions = { targets, runCache: !values['no-run-cache'], ...(jobs ? { jobs } : {}) };
  return { remote: values.remote as string | undefined, opts, values, ws: openWorkspace(pipeline, ctx.reporter) };
}

export async function pushCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { remote, opts, ws } = parse(ctx, 'push', args, options);
  const r = await push(ws, remote, opts);
  if (r.missingLocally.length) {
    ctx.reporter.warn(`not in the local cache, so not pushed:\n${r.missingLocally.map((p) => `  ${p}`).join('\n')}`);
  }
  if (r.error) throw r.error;
  return 0;
}

/** Exit 1 after everything else was fetched when anything failed, was corrupt or missing. */
function fetchVerdict(ctx: CommandContext, r: FetchSummary): number {
  if (r.missing.length) ctx.reporter.error(`not on remote '${r.remote}':\n${r.missing.map((k) => `  ${k}`).join('\n')}`);
  if (r.corrupt.length) {
    ctx.reporter.error(`corrupt on remote '${r.remote}' (bytes do not match the digest; not stored):\n${r.corrupt.map((k) => `  ${k}`).join('\n')}`);
  }
  if (r.error) throw r.error;
  return r.corrupt.length || r.missing.length ? 1 : 0;
}

export async function fetchCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { remote, opts, ws } = parse(ctx, 'fetch', args, options);
  return fetchVerdict(ctx, await fetch(ws, remote, opts));
}

export async function pullCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const { remote, opts, values, ws } = parse(ctx, 'pull', args, pullOptions);
  const r = await pull(ws, remote, { ...opts, force: (values as { force?: boolean }).force === true });
  const fetched = fetchVerdict(ctx, r.fetch);
  const c = r.checkout;
  if (c.refused.length) {
    ctx.reporter.error(
      `not overwritten, their current content is not in the cache and would be lost:\n${c.refused.map((p) => `  ${p}`).join('\n')}\nhint: save them elsewhere, or run lockstep pull${values.recursive ? ' -R' : ''} --force to discard them`,
    );
  }
  if (c.ignored.length) {
    ctx.reporter.error(`ignored, their lock entries name other outs than the pipeline declares:\n${c.ignored.map((s) => `  ${s}`).join('\n')}`);
  }
  ctx.reporter.info(`${c.restored.length} checked out, ${c.unchanged.length} unchanged, ${c.refused.length} kept, ${c.missing.length} missing`);
  return fetched || c.refused.length || c.missing.length || c.ignored.length ? 1 : 0;
}

export const pushSpec: Command = { name: 'push', summary: 'upload the cached outs and run records to a remote', help: pushHelp, options, run: pushCommand };
export const pullSpec: Command = { name: 'pull', summary: 'download the outs from a remote and check them out', help: pullHelp, options: pullOptions, run: pullCommand };
export const fetchSpec: Command = { name: 'fetch', summary: 'download the outs and run records into the cache only', help: fetchHelp, options, run: fetchCommand };
