import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockstep, ranStages, stage, workspace, writeTree } from '../helpers/workspace.js';

describe('digests know files from directories (issue 16 item 7)', () => {
  it('an empty directory dep that becomes a file with the manifest text is a change', async () => {
    const dir = workspace({
      'pipeline.yaml': `stages:\n  s:\n    cmd: ${stage('s', 'write:o.txt=1')}\n    deps: [d]\n    outs: [o.txt]\n`,
    });
    mkdirSync(join(dir, 'd'));
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['s']);
    rmSync(join(dir, 'd'), { recursive: true });
    // The bytes of an empty directory's manifest: same sha256, different kind.
    writeTree(dir, { d: '[]' });
    const status = await lockstep(dir, ['status']);
    expect(status.stdout).toContain('dep modified: d');
    expect((await lockstep(dir, ['repro'])).exitCode).toBe(0);
    expect(ranStages(dir)).toEqual(['s']);
  });
});
