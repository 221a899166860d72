import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { BUCKET, useS3rver } from '../helpers/s3rver.js';
import { lockstep, ranStages, stage, workspace } from '../helpers/workspace.js';

const server = useS3rver();

async function putObject(key: string, body: string): Promise<void> {
  const client = new S3Client({ endpoint: server().endpoint, forcePathStyle: true, region: 'us-east-1' });
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  client.destroy();
}

describe('an s3:// dependency', () => {
  it('is fingerprinted by its ETag through the settings of an s3 remote on its bucket: unchanged skips, changed reruns', async () => {
    await putObject('raw/labels.csv', 'a,b\n1,2\n');
    const dir = workspace({
      '.lockstep/config.yaml': `remotes:\n  store: {url: s3://${BUCKET}/cache, endpoint: "${server().endpoint}"}\n`,
      'pipeline.yaml': `stages:\n  prepare:\n    cmd: ${stage('prepare', 'write:out.txt=1')}\n    deps: [s3://${BUCKET}/raw/labels.csv]\n    outs: [out.txt]\n`,
    });
    const first = await lockstep(dir, ['repro'], server().env);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(ranStages(dir)).toEqual(['prepare']);
    expect((await lockstep(dir, ['status'], server().env)).stdout).toContain('up to date');
    await putObject('raw/labels.csv', 'a,b\n1,3\n');
    const status = await lockstep(dir, ['status'], server().env);
    expect(status.stdout).toContain(`dep modified: s3://${BUCKET}/raw/labels.csv`);
    const missing = workspace({
      '.lockstep/config.yaml': `remotes:\n  store: {url: s3://${BUCKET}/cache, endpoint: "${server().endpoint}"}\n`,
      'pipeline.yaml': `stages:\n  prepare:\n    cmd: echo\n    deps: [s3://${BUCKET}/raw/nope.csv]\n`,
    });
    const r = await lockstep(missing, ['repro'], server().env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`error: external dependency s3://${BUCKET}/raw/nope.csv does not exist`);
  });

  it('that cannot be reached stops the command with a clear error and runs nothing', async () => {
    const dir = workspace({
      '.lockstep/config.yaml': 'remotes:\n  store: {url: s3://other-bucket/cache, endpoint: "http://127.0.0.1:9"}\n',
      'pipeline.yaml': `stages:\n  prepare:\n    cmd: ${stage('prepare', 'write:out.txt=1')}\n    deps: [s3://other-bucket/raw.csv]\n    outs: [out.txt]\n`,
    });
    const r = await lockstep(dir, ['repro'], server().env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: external dependency s3://other-bucket/raw.csv cannot be read');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(ranStages(dir)).toEqual([]);
  });
});
