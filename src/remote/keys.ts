import { OBJECTS_DIR, RUNS_DIR } from '../constants.js';
import { SHA256_HEX } from '../hash/digest.js';

/** The remote mirrors the local cache layout (DESIGN §2.4), so a shared directory can be browsed like one. */
export const OBJECTS_PREFIX = `${OBJECTS_DIR}/`;
export const RUNS_PREFIX = `${RUNS_DIR}/`;

export function objectKey(sha256: string): string {
  return `${OBJECTS_PREFIX}${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

export function recordKey(key: string): string {
  return `${RUNS_PREFIX}${key.slice(0, 2)}/${key}.json`;
}

/** The run-cache key a remote record key stands for, or undefined for anything else found under runs/. */
export function parseRecordKey(remoteKey: string): string | undefined {
  const m = /^runs\/([0-9a-f]{2})\/([0-9a-f]{64})\.json$/.exec(remoteKey);
  return m && m[2]!.startsWith(m[1]!) ? m[2] : undefined;
}

export const isSha256 = (s: string) => SHA256_HEX.test(s);
