
import { join } from 'node:path';
import type { z } from 'zod';
import { CONFIG_FILE, LOCAL_CONFIG_FILE, LOCKSTEP_DIR, parseMemoPath, stateDirOf } from '../constants.js';
import { ConfigError, errnoCode } from '../errors.js';
import { lazyYaml, lazyZod } from '../util/lazy-modules.js';
import { parseWithMemo } from '../util/parse-memo.js';
import { readText } from '../util/read-text.js';

/** `.lockstep/config.yaml` (committed) overlaid by `.lockstep/config.local.yaml` (this machine only). */
export const LINK_MODES = ['reflink', 'copy', 'hardlink', 'symlink'] as const;
export type LinkMode = (typeof LINK_MODES)[number];

function buildSchema() {
  const { z } = lazyZod();
  return z.strictObject({
    cache: z.strictObject({ link: z.enum(LINK_MODES).optional() }).optional(),
    remote: z.string().optional(),
    remotes: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  });
}
type WrittenConfig = z.infer<ReturnType<typeof buildSchema>>;

export interface Config {
  cache: { link: LinkMode };
  remote?: string;
  /** Each remote's keys, those of config.local.yaml overriding those of config.yaml one by one. */
  remotes: Record<string, Record<string, unknown>>;
  /** The file each setting came from (`remote`, `remotes.NAME.KEY`), for messages that name file and key. */
  origins: Record<string, string>;
}

function readOne(path: string, label: string, memo: string): WrittenConfig {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw err;
  }
  return parseWithMemo(text, memo, (t) => {
    let raw: unknown;
    try {
      raw = lazyYaml().parse(t) ?? {};
    } catch (err) {
      throw new ConfigError(`${label} is not valid YAML: ${(err as Error).message}`, { hint: `fix the syntax of ${label}`, cause: err });
    }
    const parsed = buildSchema().safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => `  ${label} ${[...i.path, k].join('.')}: unknown key`)
          : [`  ${label} ${i.path.join('.')}: ${i.message}`],
      );
      const aboutLink = parsed.error.issues.some((i) => i.path[0] === 'cache');
      throw new ConfigError(`${label} is invalid:\n${problems.join('\n')}`, {
        hint: aboutLink ? `cache.link is one of ${LINK_MODES.join(', ')}` : 'the keys of the file are cache (link), remote (the default) and remotes; lockstep remote --help',
      });
    }
    return parsed.data;
  }) as WrittenConfig;
}

/** The config of the repository `dir` (any folder of it) belongs to. */
export function loadConfig(dir: string): Config {
  const memo = (name: string) => parseMemoPath(dir, name);
  const shared = readOne(join(stateDirOf(dir), CONFIG_FILE), `${LOCKSTEP_DIR}/${CONFIG_FILE}`, memo(CONFIG_FILE));
  const local = readOne(join(stateDirOf(dir), LOCAL_CONFIG_FILE), `${LOCKSTEP_DIR}/${LOCAL_CONFIG_FILE}`, memo(LOCAL_CONFIG_FILE));
  const remote = local.remote ?? shared.remote;
  const remotes: Config['remotes'] = {};
  const origins: Config['origins'] = {};
  for (const [file, written] of [[`${LOCKSTEP_DIR}/${CONFIG_FILE}`, shared], [`${LOCKSTEP_DIR}/${LOCAL_CONFIG_FILE}`, local]] as const) {
    if (written.remote !== undefined) origins.remote = file;
    for (const [name, keys] of Object.entries(written.remotes ?? {})) {
      remotes[name] = { ...remotes[name], ...keys };
      for (const key of Object.keys(keys)) origins[`remotes.${name}.${key}`] = file;
      origins[`remotes.${name}`] ??= file;
    }
  }
  return {
    cache: { link: local.cache?.link ?? shared.cache?.link ?? 'reflink' },
    ...(remote === undefined ? {} : { remote }),
    remotes,
    origins,
  };
}
