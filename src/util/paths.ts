import { isAbsolute, posix, relative, sep } from 'node:path';

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** An empty, `.` or `..` segment, a leading or trailing slash: what normalizing would change. */
const NOT_NORMAL = /(^|\/)\.{0,2}(\/|$)/;

/** `a/./b/../c/` → `a/c`; `.` for the root. Always POSIX, never absolute. */
export function normalizeRel(path: string): string {
  // Most paths are already normal; a 1,000-stage pipeline normalizes thousands of them per command.
  if (sep === '/' && !NOT_NORMAL.test(path)) return path;
  const norm = posix.normalize(toPosix(path));
  return norm.endsWith('/') && norm.length > 1 ? norm.slice(0, -1) : norm;
}

/** True when `child` is `parent` itself or lies below it (both normalized POSIX paths). */
export function isSameOrInside(child: string, parent: string): boolean {
  if (parent === '.') return !child.startsWith('../') && child !== '..';
  return child === parent || child.startsWith(`${parent}/`);
}

export function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith('../') || isAbsolute(rel);
}

/** Path of `abs` relative to `root`, POSIX. */
export function relPosix(root: string, abs: string): string {
  return normalizeRel(relative(root, abs) || '.');
}
