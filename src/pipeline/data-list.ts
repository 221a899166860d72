import type { Document } from 'yaml';
import { ConfigError } from '../errors.js';
import { lazyYaml } from '../util/lazy-modules.js';

/**
 * pipeline.yaml's text with `paths` appended to its top-level `data:` list (created at the end of the file
 * when there is none). The file is the user's: the YAML Document locates the list and the new items are
 * spliced into the text there, so every other byte (comments, quoting, flow style, blank lines) stays as
 * written. Only an empty `data:` is rewritten through the Document, which still keeps the comments.
 */
export function withDataPaths(text: string, paths: readonly string[], label: string): string {
  const yaml = lazyYaml();
  const doc = yaml.parseDocument(text);
  if (doc.errors.length) throw new ConfigError(`${label} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { hint: `fix ${label} first` });
  const root = doc.contents;
  if (root !== null && !yaml.isMap(root)) throw new ConfigError(`${label} is not a mapping of keys`, { hint: `fix ${label} first` });
  const existing = root ? root.items.find((p) => yaml.isScalar(p.key) && p.key.value === 'data') : undefined;
  const items = paths.map((p) => yaml.stringify(p, { lineWidth: 0 }).trimEnd());
  const value = existing?.value;

  let spliced: string | undefined;
  if (!existing && (!root || !root.flow)) {
    spliced = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}data:\n${items.map((i) => `  - ${i}\n`).join('')}`;
  } else if (yaml.isSeq(value) && value.flow && value.range) {
    const close = text.lastIndexOf(']', value.range[1]);
    const sep = value.items.length ? ', ' : '';
    spliced = `${text.slice(0, close)}${sep}${items.join(', ')}${text.slice(close)}`;
  } else if (yaml.isSeq(value) && value.range && value.items.length) {
    const start = value.range[0];
    const indent = ' '.repeat(start - (text.lastIndexOf('\n', start - 1) + 1));
    const last = value.items[value.items.length - 1] as { range?: [number, number, number] };
    const eol = text.indexOf('\n', last.range?.[1] ?? value.range[1]);
    const at = eol === -1 ? text.length : eol + 1;
    const lead = eol === -1 ? '\n' : '';
    spliced = `${text.slice(0, at)}${lead}${items.map((i) => `${indent}- ${i}\n`).join('')}${text.slice(at)}`;
  }
  // The splice is checked by parsing it back; anything unexpected goes through the Document instead.
  if (spliced !== undefined && sameExceptData(spliced, doc, paths)) return spliced;
  const list = yaml.isSeq(value) ? value : new yaml.YAMLSeq();
  for (const p of paths) list.add(doc.createNode(p));
  doc.set('data', list);
  return doc.toString({ lineWidth: 0 });
}

/** True when `text` means what `before` meant, with `paths` appended to `data`. */
function sameExceptData(text: string, before: Document, paths: readonly string[]): boolean {
  const after = lazyYaml().parseDocument(text);
  if (after.errors.length) return false;
  const split = (d: Document) => {
    const { data, ...rest } = (d.toJS() ?? {}) as Record<string, unknown>;
    return { data: Array.isArray(data) ? data : [], rest: JSON.stringify(rest) };
  };
  const [was, now] = [split(before), split(after)];
  return now.rest === was.rest && JSON.stringify(now.data) === JSON.stringify([...was.data, ...paths]);
}
