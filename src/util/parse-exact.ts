import type { Document, ScalarTag } from 'yaml';
import { DecimalText, isExactDouble } from './decimal-text.js';
import { lazyYaml } from './lazy-modules.js';

/**
 * YAML (or, with `json`, strict JSON) parsed as yaml.parse would, except that a number whose text a
 * double cannot hold exactly becomes a DecimalText of that text. Throws the first syntax error.
 */
export function parseExact(text: string, json = false): unknown {
  const yaml = lazyYaml();
  // JSON.parse lets a repeated key win; so does this, rather than failing files that parsed before.
  // YAML merge keys (`<<: *base`) are applied, as DVC reads params files.
  const doc = yaml.parseDocument(text, json ? { schema: 'json', uniqueKeys: false } : { merge: true });
  if (doc.errors.length) throw doc.errors[0]!;
  keepInexactNumbers(doc);
  return doc.toJS();
}

function keepInexactNumbers(doc: Document): void {
  lazyYaml().visit(doc, {
    Scalar(key, node) {
      // Map keys become strings anyway; only values are compared as numbers.
      if (key === 'key' || typeof node.value !== 'number' || node.source === undefined) return;
      if (!isExactDouble(node.source, node.value)) node.value = new DecimalText(node.source);
    },
  });
}

/** Writes a DecimalText back as the plain number it was written as (give to `new Document(…, { customTags })`). */
export const decimalTextTag: ScalarTag = {
  identify: (value) => value instanceof DecimalText,
  tag: 'tag:yaml.org,2002:float',
  default: true,
  resolve: (text) => new DecimalText(text),
  stringify: (item) => (item as { value: DecimalText }).value.text,
};
