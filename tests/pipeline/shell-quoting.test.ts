import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpolate, type Lookup } from '../../src/pipeline/interpolate.js';
import { lockstep, read, workspace } from '../helpers/workspace.js';

const NASTY = [
  'hello world',
  '$(touch PWNED)',
  '`touch PWNED`',
  '$HOME and ${HOME}',
  `it's "quoted"`,
  'back\\slash \\" \\\\ end\\',
  'two\nlines; touch PWNED',
  "'; touch PWNED; echo '",
  '"; touch PWNED; echo "',
  '*',
  '',
];

const sandbox = mkdtempSync(join(tmpdir(), 'lockstep-quote-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const lookupOf = (value: string): Lookup => (key) => (key === 'v' ? { found: true, value } : { found: false });

/** Runs the interpolated command with /bin/sh, as stages are run, in a folder where `touch` would show. */
function runShell(template: string, value: string): string {
  const r = interpolate(template, lookupOf(value));
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
  const out = execFileSync('/bin/sh', ['-c', r.value], { cwd: sandbox, encoding: 'utf8' });
  expect(existsSync(join(sandbox, 'PWNED')), `${template} with ${JSON.stringify(value)} ran code`).toBe(false);
  return out;
}

describe('a placeholder is quoted for the shell context it stands in', () => {
  for (const value of NASTY) {
    it(`keeps ${JSON.stringify(value)} literal bare, in "…", in '…' and inside $(…)`, () => {
      expect(runShell("printf '%s|' ${v}", value)).toBe(`${value}|`);
      expect(runShell('printf \'%s|\' "run=${v}"', value)).toBe(`run=${value}|`);
      expect(runShell("printf '%s|' 'run=${v}'", value)).toBe(`run=${value}|`);
      expect(runShell('printf \'%s|\' "$(printf \'%s\' ${v})"', value)).toBe(`${value.replace(/\n+$/, '')}|`);
      expect(runShell('printf \'%s|\' "a $(printf \'%s\' "${v}") b"', value)).toBe(`a ${value.replace(/\n+$/, '')} b|`);
    });
  }

  it('a placeholder on the line of a here-document operator is a word; one in its body is refused', () => {
    expect(runShell('sed s/body/${v}/ <<EOF\nbody\nEOF', 'a $(touch PWNED)')).toBe('a $(touch PWNED)\n');
    expect(interpolate('cat <<< ${v}', lookupOf('x y'))).toEqual({ ok: true, value: "cat <<< 'x y'" });
    const r = interpolate('cat <<EOF\n${v}\nEOF', lookupOf('x'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]!.message).toContain('inside a here-document');
  });

  it('refuses a placeholder inside backquotes, $\'…\' and comments, naming the key', () => {
    for (const [template, where] of [
      ['echo `echo ${v}`', 'backquotes'],
      ["echo $'${v}'", "$'…'"],
      ['echo hi # ${v}', 'comment'],
    ] as const) {
      const r = interpolate(template, lookupOf('x'));
      expect(r.ok, template).toBe(false);
      expect(!r.ok && r.problems[0]!.message).toContain('${v} stands inside');
      expect(!r.ok && r.problems[0]!.message).toContain(where);
    }
  });

  it('a # inside a word or after $ is not a comment; \\${ stays a literal ${', () => {
    expect(runShell('printf "%s|" a#${v} "$#"', 'b')).toBe('a#b|0|');
    expect(interpolate('echo \\${v} ${v}', lookupOf('x y'))).toEqual({ ok: true, value: "echo ${v} 'x y'" });
  });

  it('paths and keys (quote off) are substituted as they are', () => {
    expect(interpolate('data/${v}.csv', lookupOf('a b'), false)).toEqual({ ok: true, value: 'data/a b.csv' });
  });
});

describe('end to end through repro', () => {
  it('runs no code from a param value in double or single quotes and keeps spaces without stray quotes', async () => {
    const dir = workspace({
      'params.yaml': 'name: "$(touch PWNED)"\nmsg: hello world\n',
      'pipeline.yaml': `stages:\n  s:\n    cmd: echo "run=\${name}" '\${name}' "\${msg}" > out.txt\n    outs: [out.txt]\n`,
    });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    expect(read(dir, 'out.txt')).toBe('run=$(touch PWNED) $(touch PWNED) hello world\n');
  });

  it('a placeholder in backquotes is a config error at its position, nothing runs', async () => {
    const dir = workspace({ 'params.yaml': 'x: 1\n', 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo `echo ${x}` > o\n    outs: [o]\n' });
    const r = await lockstep(dir, ['repro']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:3:5 stages.s.cmd: ${x} stands inside `…` backquotes');
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});
