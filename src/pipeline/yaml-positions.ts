import type { Document, LineCounter, Node } from 'yaml';
import { lazyYaml } from '../util/lazy-modules.js';
import type { SourcePos } from './types.js';

export type PathSegment = string | number;

/** `['stages', 'train', 'deps', 1]` → `stages.train.deps[1]` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/**
 * Finds where a value (or, when it does not exist, its nearest written ancestor) sits in the YAML
 * source. A map key resolves to the key's position, so `stages.train.dpes` points at `dpes:`.
 */
export class YamlPositions {
  /** `source` parses on first use: a valid pipeline whose parse was memoized never needs its CST. */
  constructor(
    private readonly source: () => { doc: Document; lines: LineCounter },
    private readonly fileLabel: string,
  ) {}

  at(path: readonly PathSegment[]): SourcePos {
    const { isMap, isPair, isScalar, isSeq } = lazyYaml();
    let node: unknown = this.source().doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.pos(offset);
  }

  /**
   * The position of `path`, found only when something reads it (an error message). Locating eagerly
   * walked the document once per dep and out: quadratic, and most of a no-op on 1,000 stages.
   */
  lazy(path: readonly PathSegment[]): SourcePos {
    return new LazyPos(this, path);
  }

  pos(offset: number): SourcePos {
    const { line, col } = this.source().lines.linePos(offset);
    return { file: this.fileLabel, line, col };
  }
}

/**
 * A class rather than an object literal with getters: its accessors live once on the prototype, where a
 * literal built per dep and out cost ~10 ms of a 1,000-stage no-op `status`.
 */
class LazyPos implements SourcePos {
  private found: SourcePos | undefined;

  constructor(
    private readonly positions: YamlPositions,
    private readonly path: readonly PathSegment[],
  ) {}

  private get resolved(): SourcePos {
    return (this.found ??= this.positions.at(this.path));
  }

  get file(): string {
    return this.resolved.file;
  }

  get line(): number {
    return this.resolved.line;
  }

  get col(): number {
    return this.resolved.col;
  }

  /** Serializes as the plain position it stands for, as the object literal did. */
  toJSON(): SourcePos {
    return { ...this.resolved };
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
