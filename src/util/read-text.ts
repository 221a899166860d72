import { readFileSync } from 'node:fs';

/**
 * readFileSync as UTF-8 text, with the path on every error: reading a directory fails in the `read` call,
 * whose error names no path, and an error without one cannot tell the user what to fix.
 */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (typeof err === 'object' && err !== null && !('path' in err)) Object.assign(err, { path });
    throw err;
  }
}
