import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { REPO } from './workspace.js';

export const BUCKET = 'lockstep-test';
/** Distinctive fake credentials: a test greps every output for them. */
export const FAKE_KEY_ID = 'S3RVER';
export const FAKE_SECRET = 'sEcReT-do-not-print-9f8e7d6c5b4a';

export interface S3Server {
  endpoint: string;
  port: number;
  dataDir: string;
  /** `METHOD URL` of every request so far, one a line (URLs start with /BUCKET/). */
  requests(): string[];
  /** Env for a lockstep process talking to this server. */
  env: Record<string, string>;
  kill(): Promise<void>;
  /** Starts it again on the same port and data (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function launch(dataDir: string, port: number): Promise<{ child: ResultPromise; port: number }> {
  const child = execa('node', ['--openssl-legacy-provider', join(REPO, 'tests/fixtures/s3rver.mjs'), dataDir, BUCKET], {
    env: { S3RVER_PORT: String(port), S3RVER_REQUEST_LOG: requestLogOf(dataDir) },
    reject: false,
    buffer: false,
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const got = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /port=(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    void child.then((r) => reject(new Error(`s3rver exited before listening (exit ${r.exitCode})`)));
  });
  return { child, port: got };
}

/** Beside the data, not in it: s3rver takes every folder in its directory for a bucket. */
const requestLogOf = (dataDir: string) => `${dataDir}.requests.log`;

/**
 * One server for a test file: started before its tests (its credentials put in this process's env, for
 * opening the remote directly), stopped after them. Returns a getter: the server exists only once started.
 */
export function useS3rver(): () => S3Server {
  let server: S3Server | undefined;
  beforeAll(async () => {
    server = await startS3rver();
    Object.assign(process.env, server.env);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => server!;
}

/** s3rver as a child process on 127.0.0.1 with a random port, its data under the OS temp dir. */
export async function startS3rver(): Promise<S3Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-s3rver-'));
  let { child, port } = await launch(dataDir, 0);
  const kill = async () => {
    child.kill('SIGKILL');
    await child;
  };
  const server: S3Server = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    requests: () => (existsSync(requestLogOf(dataDir)) ? readFileSync(requestLogOf(dataDir), 'utf8').split('\n').filter(Boolean) : []),
    env: { AWS_ACCESS_KEY_ID: FAKE_KEY_ID, AWS_SECRET_ACCESS_KEY: FAKE_SECRET, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' },
    kill,
    restart: async () => {
      ({ child } = await launch(dataDir, port));
    },
    stop: async () => {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(requestLogOf(dataDir), { force: true });
    },
  };
  return server;
}
