import { describe, expect, it } from 'vitest';
import { withDataPaths } from '../../src/pipeline/data-list.js';

const add = (text: string, ...paths: string[]) => withDataPaths(text, paths, 'pipeline.yaml');

describe('adding paths to the data: list of pipeline.yaml', () => {
  it('appends a data: list when there is none, touching nothing else', () => {
    const text = '# top\nstages:\n  a:\n    cmd: echo {x}   # run\n    outs:\n      - o: { cache: false }\n\n# end\n';
    expect(add(text, 'raw.csv', 'd/my data')).toBe(`${text}data:\n  - raw.csv\n  - d/my data\n`);
    expect(add('stages: {}', 'raw.csv')).toBe('stages: {}\ndata:\n  - raw.csv\n');
  });

  it('extends a block list after its last item, at its indentation, comments kept', () => {
    const text = 'data:\n- a.csv   # first\n- "b c.csv"\n# about stages\nstages: {}\n';
    expect(add(text, 'c.csv')).toBe('data:\n- a.csv   # first\n- "b c.csv"\n- c.csv\n# about stages\nstages: {}\n');
    expect(add('stages: {}\ndata:\n    - a', 'b')).toBe('stages: {}\ndata:\n    - a\n    - b\n');
  });

  it('extends a flow list in place', () => {
    expect(add('stages: {}\ndata: [a, b]  # x\n', 'c')).toBe('stages: {}\ndata: [a, b, c]  # x\n');
    expect(add('stages: {}\ndata: []\n', 'c')).toBe('stages: {}\ndata: [c]\n');
  });

  it('quotes paths YAML would misread, and fills an empty data: through the Document', () => {
    expect(add('stages: {}\n', '#odd: name.csv')).toBe('stages: {}\ndata:\n  - "#odd: name.csv"\n');
    expect(add('# keep\nstages: {}\ndata:\n', 'a')).toBe('# keep\nstages: {}\ndata:\n  - a\n');
  });
});
