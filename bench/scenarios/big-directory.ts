import { lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCKSTEP_DIR, STAT_CACHE_FILE, TMP_DIR } from '../../src/constants.js';
import { alternate, CLI, exitCodeOf, fmtMiB, fmtX, ratio, scratch, timeCommand, type Measured, type ScenarioResult } from '../harness.js';

/** Files of 1 KiB to `maxKiB`, 1,000 per folder, deterministic content. */
function makeTree(root: string, files: number, maxKiB: number): void {
  const buf = Buffer.alloc(maxKiB << 10);
  for (let i = 0; i < files; i++) {
    if (i % 1000 === 0) mkdirSync(join(root, `d${i / 1000}`), { recursive: true });
    const size = 1024 + ((i * 7919) % ((maxKiB - 1) << 10));
    buf.writeUInt32LE(i, 0);
    writeFileSync(join(root, `d${Math.floor(i / 1000)}`, `f${i}.bin`), buf.subarray(0, size));
  }
}

const rssVerdict = (ours: Measured, targetMiB: number) =>
  ours.peakRssMiB === undefined ? [] : [{ text: `lockstep's peak RSS ${fmtMiB(ours.peakRssMiB)} (target < ${targetMiB} MiB)`, ok: ours.peakRssMiB < targetMiB }];

/** The floor for a no-op: a plain Node walk that lstat's every entry. */
const WALK_SCRIPT = `const fs=require('fs'),p=require('path');let n=0;const w=d=>{for(const e of fs.readdirSync(d,{withFileTypes:true})){const f=p.join(d,e.name);fs.lstatSync(f);n++;if(e.isDirectory())w(f)}};w(process.argv[1]);`;

/**
 * The floor for a first status in Node: the caller's thread and one worker per other core take 512-file
 * batches off a shared counter and open, fstat, read, sha256 and close each file — no walk order, no
 * stat cache, no manifest. Reported beside lockstep so a ratio can be read against what Node can do.
 */
const FLOOR_SCRIPT = `const { Worker, isMainThread, workerData } = require('worker_threads'); const fs = require('fs'), c = require('crypto');
const run = (files, q) => { const b = Buffer.allocUnsafe(1 << 20); for (let i; (i = Atomics.add(q, 0, 1) * 512) < files.length;) for (const p of files.slice(i, i + 512)) {
  const fd = fs.openSync(p, 'r'); fs.fstatSync(fd); const n = fs.readSync(fd, b, 0, b.length, null); c.hash('sha256', b.subarray(0, n), 'hex'); fs.closeSync(fd); } };
if (isMainThread) {
  const files = []; const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(d + '/' + e.name) : files.push(d + '/' + e.name); };
  walk(process.argv[1]); const sab = new SharedArrayBuffer(4);
  const ws = Array.from({ length: Math.min(3, require('os').cpus().length - 1) }, () => new Worker(process.argv[2], { eval: true, argv: [], workerData: { files, sab } }));
  run(files, new Int32Array(sab)); for (const w of ws) w.on('exit', () => {});
} else run(workerData.files, new Int32Array(workerData.sab));`;

/**
 * First and no-op status of a directory of small files. At 100k files the per-file cost counts; at 20k
 * fixed costs (module load, worker start-up) weigh more, so both sizes have the same targets.
 */
export function bigDirectory(rounds: number, files = 100_000, maxKiB = 8, rssTargetMiB = 300): ScenarioResult[] {
  const { dir, cleanup } = scratch('dir');
  try {
    makeTree(join(dir, 'data'), files, maxKiB);
    writeFileSync(join(dir, 'pipeline.yaml'), 'stages:\n  s:\n    cmd: "true"\n    deps: [data]\n');
    const statCache = join(dir, LOCKSTEP_DIR, TMP_DIR, STAT_CACHE_FILE);
    const status = () => timeCommand('node', [CLI, 'status'], { cwd: dir });
    // Let the files leave the racy window so the stat cache can trust them.
    const settle = Date.now() + 2500;
    while (Date.now() < settle);

    const first = alternate(
      [
        { label: 'lockstep status (first: no stat cache)', before: () => rmSync(statCache, { force: true }), run: status },
        { label: 'find | xargs -P2 sha256sum', run: () => timeCommand('sh', ['-c', 'find data -type f -print0 | xargs -0 -n1000 -P2 sha256sum > /dev/null'], { cwd: dir }) },
        { label: 'bare Node floor (no bookkeeping)', run: () => timeCommand('node', ['-e', FLOOR_SCRIPT, join(dir, 'data'), FLOOR_SCRIPT]) },
      ],
      rounds,
    );
    timeCommand('node', [CLI, 'status'], { cwd: dir }); // fill the stat cache
    const noop = alternate(
      [
        { label: 'lockstep status (no-op, stat cache warm)', run: status },
        { label: 'node walk + lstatSync', run: () => timeCommand('node', ['-e', WALK_SCRIPT, join(dir, 'data')]) },
      ],
      rounds,
    );

    // Correctness alongside speed: a change deep inside is still seen.
    const deep = Math.floor(files / 2);
    const victim = join(dir, 'data', `d${Math.floor(deep / 1000)}`, `f${deep}.bin`);
    const st = lstatSync(victim);
    writeFileSync(victim, Buffer.alloc(st.size, 1));
    const detected = exitCodeOf('node', [CLI, 'status', '--exit-code'], dir) === 1;

    return [
      {
        name: `first status of a ${files.toLocaleString('en')}-file directory (1–${maxKiB} KiB files)`,
        rows: first,
        verdicts: [
          { text: `${fmtX(ratio(first[0]!, first[1]!))} find|xargs -P2 sha256sum (target ≤ 1.0×)`, ok: ratio(first[0]!, first[1]!) <= 1.0 },
          ...rssVerdict(first[0]!, rssTargetMiB),
          { text: `${fmtX(ratio(first[2]!, first[1]!))} for a bare Node process doing only the reads and hashes (reported)`, ok: undefined },
        ],
      },
      {
        name: `no-op status of the ${files.toLocaleString('en')}-file directory`,
        rows: noop,
        verdicts: [{ text: `${fmtX(ratio(noop[0]!, noop[1]!))} a plain lstat walk (target ≤ 1.8×)`, ok: ratio(noop[0]!, noop[1]!) <= 1.8 }, ...rssVerdict(noop[0]!, rssTargetMiB)],
        notes: [detected ? 'a file rewritten deep inside is detected (also covered by tests/hash)' : 'change detection check failed'],
      },
    ];
  } finally {
    cleanup();
  }
}
