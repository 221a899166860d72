import { workspace } from '../helpers/workspace.js';

/**
 * prepare → train → evaluate, driven by params through `${…}` in the cmds. Every stage appends
 * `name args` to $RUNLOG (an absolute path: variants run in copies of the workspace), and train waits
 * for $GO when C is $BLOCK_C, so a test can interrupt a sweep mid-variant.
 */
export function expWorkspace(): string {
  const stageScript = (name: string, body: string) => `import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
if (process.env.RUNLOG) appendFileSync(process.env.RUNLOG, '${name} ' + args.join(' ') + '\\n');
mkdirSync('work', { recursive: true });
${body}
`;
  return workspace(
    {
      'data.csv': '1\n2\n3\n',
      'params.yaml': '# knobs\nprepare:\n  scale: 1   # multiplies the data\ntrain:\n  C: 1.0      # inverse strength\n  weight: none\n',
      'prep.mjs': stageScript('prepare', "const sum = readFileSync('data.csv', 'utf8').split('\\n').filter(Boolean).map(Number).reduce((a, b) => a + b, 0);\nwriteFileSync('work/prepared.txt', String(sum * Number(args[0])));"),
      'train.mjs': stageScript(
        'train',
        "if (process.env.BLOCK_C === args[0]) { writeFileSync(process.env.GO + '.started', ''); while (!existsSync(process.env.GO)) await new Promise((r) => setTimeout(r, 20)); }\nwriteFileSync('work/model.txt', `${Number(readFileSync('work/prepared.txt', 'utf8')) * Number(args[0])} ${args[1]}`);",
      ),
      'eval.mjs': stageScript('evaluate', "const [v, w] = readFileSync('work/model.txt', 'utf8').split(' ');\nwriteFileSync('work/metrics.json', JSON.stringify({ score: Number(v), loss: 1 / Number(v), weighted: w === 'balanced' }));"),
      'pipeline.yaml': `stages:
  prepare:
    cmd: node prep.mjs \${prepare.scale}
    deps: [prep.mjs, data.csv]
    params: [prepare.scale]
    outs: [work/prepared.txt]
  train:
    cmd: node train.mjs \${train.C} \${train.weight}
    deps: [train.mjs, work/prepared.txt]
    params: [train]
    outs: [work/model.txt]
  evaluate:
    cmd: node eval.mjs
    deps: [eval.mjs, work/model.txt]
    metrics:
      - work/metrics.json: {cache: false}
gates:
  score: {min: 10}
`,
    },
    { git: true },
  );
}
