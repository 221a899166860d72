import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, CLI, fmtX, has, REPO, timeCommand, type Contender, type Measured, type ScenarioResult } from '../harness.js';

/**
 * lockstep push/pull against `aws s3 sync`, both talking to one s3rver on 127.0.0.1, with the data, the
 * caches and the server's store on /dev/shm so the disk is not what is measured. The AWS CLI is Debian's
 * `awscli` (apt-get install -y awscli); without it only lockstep's figures are printed.
 */
const BUCKET = 'bench';
const SHM = '/dev/shm';
const SMALL_FILES = 10_000;
const BIG_MIB = 1024;
const ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };

function startServer(dir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn('node', ['--openssl-legacy-provider', join(REPO, 'tests/fixtures/s3rver.mjs'), dir, BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /port=(\d+)/.exec(text);
      if (m) resolve({ child, endpoint: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
}

/** A project whose one stage writes `data/` (10,000 × 4 KiB) or one 1 GiB file, run once, with an s3 remote. */
function project(root: string, endpoint: string, kind: 'small' | 'big'): string {
  const dir = join(root, `project-${kind}`);
  mkdirSync(dir, { recursive: true });
  const gen =
    kind === 'small'
      ? `const fs = require('fs'), c = require('crypto'); fs.mkdirSync('data', { recursive: true });\nfor (let i = 0; i < ${SMALL_FILES}; i++) fs.writeFileSync('data/' + String(i).padStart(5, '0') + '.bin', c.randomBytes(4096));\n`
      : `const fs = require('fs'), c = require('crypto'); fs.mkdirSync('data', { recursive: true }); const fd = fs.openSync('data/big.bin', 'w');\nfor (let i = 0; i < ${BIG_MIB}; i++) fs.writeSync(fd, c.randomBytes(1 << 20));\nfs.closeSync(fd);\n`;
  writeFileSync(join(dir, 'gen.cjs'), gen);
  writeFileSync(join(dir, 'pipeline.yaml'), 'stages:\n  gen:\n    cmd: node gen.cjs\n    deps: [gen.cjs]\n    outs: [data]\n');
  for (const args of [['-q', 'repro'], ['remote', 'add', '-d', 's3', `s3://${BUCKET}/${kind}-0`], ['remote', 'modify', 's3', 'endpoint', endpoint]]) {
    const r = spawnSync('node', [CLI, ...args], { cwd: dir, env: ENV, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`lockstep ${args.join(' ')} failed`);
  }
  return dir;
}

/** A fresh clone of a project: what git would bring (pipeline, lock, config), an empty cache. */
function freshClone(src: string, dest: string): void {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(join(dest, '.lockstep'), { recursive: true });
  for (const f of ['pipeline.yaml', 'pipeline.lock', 'gen.cjs', '.lockstep/config.yaml']) copyFileSync(join(src, f), join(dest, f));
}

export async function remoteTransfers(rounds: number): Promise<ScenarioResult[]> {
  const root = mkdtempSync(join(SHM, 'lockstep-bench-remote-'));
  const server = await startServer(join(root, 's3rver'));
  const aws = has('aws');
  if (!aws) console.error('note: the AWS CLI is missing, so only lockstep is measured; install it with: apt-get install -y awscli');
  const awsArgs = (from: string, to: string) => ['--endpoint-url', server.endpoint, 's3', 'sync', from, to, '--only-show-errors'];
  const store = (prefix: string) => join(root, 's3rver', BUCKET, prefix);
  let n = 0;
  try {
    const results: ScenarioResult[] = [];
    const contender = (label: string, cmd: string, args: () => string[], cwd: () => string, before?: () => void): Contender => ({
      label,
      run: () => timeCommand(cmd, args(), { cwd: cwd(), env: ENV }),
      ...(before ? { before } : {}),
    });
    const verdict = (text: string, ratioValue: number, ok: (x: number) => boolean) => ({ text: `${text}: ${fmtX(ratioValue)}`, ok: ok(ratioValue) });

    // 10,000 files of 4 KiB: a first push to an empty prefix, then the no-op push of the same.
    const small = project(root, server.endpoint, 'small');
    let lsPrefix = '';
    let awsPrefix = '';
    const pushRows = alternate(
      [
        contender('lockstep push (10,000 × 4 KiB)', 'node', () => [CLI, '-q', 'push'], () => small, () => {
          lsPrefix = `small-${++n}`;
          spawnSync('node', [CLI, 'remote', 'modify', 's3', 'url', `s3://${BUCKET}/${lsPrefix}`], { cwd: small, stdio: 'ignore' });
        }),
        ...(aws ? [contender('aws s3 sync (10,000 × 4 KiB)', 'aws', () => awsArgs('data', `s3://${BUCKET}/${(awsPrefix = `aws-small-${++n}`)}/`), () => small)] : []),
      ],
      rounds,
    );
    const noopRows = alternate(
      [
        contender('lockstep push, all present', 'node', () => [CLI, '-q', 'push'], () => small),
        ...(aws ? [contender('aws s3 sync, all present', 'aws', () => awsArgs('data', `s3://${BUCKET}/${awsPrefix}/`), () => small)] : []),
      ],
      rounds,
    );
    const clone = join(root, 'clone-small');
    const awsDest = join(root, 'aws-dest-small');
    const pullRows = alternate(
      [
        contender('lockstep pull into a fresh clone', 'node', () => [CLI, '-q', 'pull'], () => clone, () => freshClone(small, clone)),
        ...(aws
          ? [contender('aws s3 sync into an empty directory', 'aws', () => awsArgs(`s3://${BUCKET}/${awsPrefix}/`, awsDest), () => root, () => rmSync(awsDest, { recursive: true, force: true }))]
          : []),
      ],
      rounds,
    );
    const filesPerS = (r: Measured) => `${r.label}: ${((SMALL_FILES * 1000) / r.medianMs).toFixed(0)} files/s`;
    results.push({
      name: `push ${SMALL_FILES.toLocaleString('en')} files of 4 KiB to s3rver`,
      rows: pushRows,
      verdicts: aws ? [verdict("lockstep's files/s over aws s3 sync's (target ≥ 3×)", pushRows[1]!.medianMs / pushRows[0]!.medianMs, (x) => x >= 3)] : [],
      notes: pushRows.map(filesPerS),
    });
    results.push({
      name: 'no-op push of the same (all present)',
      rows: noopRows,
      verdicts: aws ? [verdict("lockstep's time over aws s3 sync's (target ≤ 0.5×)", noopRows[0]!.medianMs / noopRows[1]!.medianMs, (x) => x <= 0.5)] : [],
    });
    results.push({
      name: `pull ${SMALL_FILES.toLocaleString('en')} files of 4 KiB into a fresh clone`,
      rows: pullRows,
      verdicts: aws ? [verdict("lockstep's files/s over aws s3 sync's (target ≥ 3×)", pullRows[1]!.medianMs / pullRows[0]!.medianMs, (x) => x >= 3)] : [],
      notes: [...pullRows.map(filesPerS), 'lockstep pull = download into the cache, verify every sha256, then check out into the workspace'],
    });
    rmSync(small, { recursive: true, force: true });
    rmSync(clone, { recursive: true, force: true });
    rmSync(awsDest, { recursive: true, force: true });

    // One 1 GiB file, pushed to an empty prefix (removed again after each round to spare memory), then pulled.
    const big = project(root, server.endpoint, 'big');
    let bigPrefix = '';
    const bigRows = alternate(
      [
        contender(`lockstep push (one ${BIG_MIB} MiB file)`, 'node', () => [CLI, '-q', 'push'], () => big, () => {
          rmSync(store(bigPrefix || 'none'), { recursive: true, force: true });
          bigPrefix = `big-${++n}`;
          spawnSync('node', [CLI, 'remote', 'modify', 's3', 'url', `s3://${BUCKET}/${bigPrefix}`], { cwd: big, stdio: 'ignore' });
        }),
        ...(aws
          ? [contender(`aws s3 sync (one ${BIG_MIB} MiB file)`, 'aws', () => awsArgs('data', `s3://${BUCKET}/aws-big/`), () => big, () => rmSync(store('aws-big'), { recursive: true, force: true }))]
          : []),
      ],
      rounds,
    );
    const bigClone = join(root, 'clone-big');
    const bigDest = join(root, 'aws-dest-big');
    const bigPullRows = alternate(
      [
        contender(`lockstep pull (one ${BIG_MIB} MiB file)`, 'node', () => [CLI, '-q', 'pull'], () => bigClone, () => freshClone(big, bigClone)),
        ...(aws ? [contender(`aws s3 sync down (one ${BIG_MIB} MiB file)`, 'aws', () => awsArgs(`s3://${BUCKET}/aws-big/`, bigDest), () => root, () => rmSync(bigDest, { recursive: true, force: true }))] : []),
      ],
      rounds,
    );
    const mbPerS = (r: Measured) => `${r.label}: ${((BIG_MIB * 1.048576) / (r.medianMs / 1000)).toFixed(0)} MB/s`;
    const pushPeak = bigRows[0]!.peakRssMiB ?? NaN;
    const pullPeak = bigPullRows[0]!.peakRssMiB ?? NaN;
    results.push({
      name: `push and pull one ${BIG_MIB} MiB file`,
      rows: [...bigRows, ...bigPullRows],
      verdicts: [
        ...(aws ? [verdict("lockstep's push MB/s over aws s3 sync's (target ≥ 1.0×)", bigRows[1]!.medianMs / bigRows[0]!.medianMs, (x) => x >= 1)] : []),
        { text: `peak memory of lockstep: push ${pushPeak.toFixed(0)} MiB, pull ${pullPeak.toFixed(0)} MiB (target < 200 MiB)`, ok: pushPeak < 200 && pullPeak < 200 },
      ],
      notes: [...bigRows, ...bigPullRows].map(mbPerS),
    });
    return results;
  } finally {
    server.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}
