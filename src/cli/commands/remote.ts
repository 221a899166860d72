import { dirname } from 'node:path';
import { ConfigError, UsageError } from '../../errors.js';
import { loadConfig } from '../../pipeline/config.js';
import { configFile, definesRemote, editConfig } from '../../remote/config-edit.js';
import { redact } from '../../remote/redact.js';
import { REMOTE_KEYS, type RemoteKey } from '../../remote/registry.js';
import { parseCommandArgs, type Options } from '../args.js';
import type { Command } from '../command.js';
import type { CommandContext } from '../context.js';

export const remoteHelp = `usage: lockstep remote <subcommand>

  add [-d|--default] [--local] NAME URL    add a remote: s3://bucket/prefix, or a directory path
                                           (absolute, or relative to the repository root)
  modify [--local] NAME KEY VALUE          set a key: ${REMOTE_KEYS.join(', ')}
  modify [--local] --unset NAME KEY        remove a key
  list                                     the remotes, their settings and the default
  remove [--local] NAME                    remove a remote
  default [--local] [NAME]                 set (or print) the default remote

Written to .lockstep/config.yaml (committed), or with --local to .lockstep/config.local.yaml
(git-ignored: per-machine settings such as a profile). Comments in the files are kept.
Credentials never go in these files: they come from the AWS chain (env, profile, web identity).`;

/** VALUE from the command line in the type the key takes. */
function typed(key: RemoteKey, value: string): unknown {
  if (key === 'jobs') {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new UsageError(`jobs must be a whole number, got '${value}'`);
    return n;
  }
  if (key === 'force_path_style') {
    if (value !== 'true' && value !== 'false') throw new UsageError(`force_path_style is true or false, got '${value}'`);
    return value === 'true';
  }
  return value;
}

const options = {
  default: { type: 'boolean', short: 'd' },
  local: { type: 'boolean' },
  unset: { type: 'boolean', short: 'u' },
} satisfies Options;

export async function remoteCommand(ctx: CommandContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const root = dirname(ctx.pipelineFile);
  const { values, positionals } = parseCommandArgs(`remote ${sub ?? ''}`.trim(), rest, options);
  const local = values.local ?? false;
  const want = (n: number, shape: string) => {
    if (positionals.length !== n) throw new UsageError(`usage: lockstep remote ${sub} ${shape}`);
  };
  const config = loadConfig(root);
  switch (sub) {
    case 'add': {
      want(2, '[-d] [--local] NAME URL');
      const [name, url] = positionals as [string, string];
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new UsageError(`remote names are letters, digits, '.', '-' and '_', got '${name}'`);
      if (Object.hasOwn(config.remotes, name)) throw new ConfigError(`remote '${name}' already exists`, { hint: `change it with lockstep remote modify ${name} url ${url}` });
      editConfig(root, local, (doc) => {
        doc.setIn(['remotes', name], doc.createNode({ url }));
        if (values.default) doc.set('remote', name);
      });
      ctx.reporter.info(`added remote '${name}'${values.default ? ' (default)' : ''}`);
      return 0;
    }
    case 'modify': {
      want(values.unset ? 2 : 3, values.unset ? '--unset NAME KEY' : '[--local] NAME KEY VALUE');
      const [name, key, value] = positionals as [string, string, string | undefined];
      if (!config.remotes[name]) throw new ConfigError(`no remote named '${name}'`, { hint: 'lockstep remote list' });
      if (!(REMOTE_KEYS as readonly string[]).includes(key)) {
        throw new ConfigError(`${configFile(root, local).label} remotes.${name}.${key}: unknown key`, { hint: `the keys of a remote are ${REMOTE_KEYS.join(', ')}` });
      }
      editConfig(root, local, (doc) => {
        if (values.unset) doc.deleteIn(['remotes', name, key]);
        else doc.setIn(['remotes', name, key], typed(key as RemoteKey, value!));
      });
      ctx.reporter.info(values.unset ? `removed ${key} of remote '${name}'` : `set ${key} of remote '${name}'`);
      return 0;
    }
    case 'list': {
      want(0, 'list');
      if (Object.keys(config.remotes).length === 0) ctx.reporter.info('no remotes yet (lockstep remote add -d NAME URL)');
      for (const [name, raw] of Object.entries(config.remotes)) {
        const settings = Object.entries(raw)
          .filter(([k]) => k !== 'url')
          .map(([k, v]) => `${k}=${redact(String(v))}`);
        ctx.stdout([name, redact(String(raw.url)), ...settings, ...(config.remote === name ? ['(default)'] : [])].join('\t'));
      }
      return 0;
    }
    case 'remove': {
      want(1, '[--local] NAME');
      const [name] = positionals as [string];
      if (!config.remotes[name]) throw new ConfigError(`no remote named '${name}'`, { hint: 'lockstep remote list' });
      // From every file that defines it (only config.local.yaml with --local); the local file first, so
      // config.yaml is never left with half a remote's keys merged in.
      const files = (local ? [true] : [true, false]).filter((f) => definesRemote(root, f, name));
      if (files.length === 0) throw new ConfigError(`remote '${name}' is not in ${configFile(root, true).label}`, { hint: `lockstep remote remove ${name}` });
      for (const f of files) {
        editConfig(root, f, (doc) => {
          doc.deleteIn(['remotes', name]);
          if (doc.get('remote') === name) doc.delete('remote');
        });
      }
      ctx.reporter.info(`removed remote '${name}'`);
      return 0;
    }
    case 'default': {
      if (positionals.length === 0) {
        if (config.remote === undefined) throw new ConfigError('no default remote is set', { hint: 'lockstep remote default NAME' });
        ctx.stdout(config.remote);
        return 0;
      }
      want(1, '[--local] [NAME]');
      const [name] = positionals as [string];
      if (!local && config.remotes[name] && !definesRemote(root, false, name)) {
        throw new ConfigError(`remote '${name}' is defined only in ${configFile(root, true).label}: as the committed default it would name no remote for everyone else`, {
          hint: `lockstep remote default --local ${name}`,
        });
      }
      editConfig(root, local, (doc) => doc.set('remote', name));
      ctx.reporter.info(`default remote: '${name}'`);
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown subcommand 'remote ${sub}'` : 'remote needs a subcommand', { hint: 'add, modify, list, remove or default; see lockstep remote --help' });
  }
}

export const command: Command = {
  name: 'remote',
  summary: 'remote add|modify|list|remove|default: configure remotes',
  help: remoteHelp,
  options,
  run: remoteCommand,
};
