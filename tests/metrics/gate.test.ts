import { describe, expect, it } from 'vitest';
import { defaultDirection, evaluateGates, gatesFromPipeline, parseGateExpression, type Gate } from '../../src/metrics/gate.js';
import { diffValues } from '../../src/metrics/diff.js';
import { formatValue } from '../../src/metrics/format.js';

const gate = (expr: string): Gate => {
  const g = parseGateExpression(expr);
  if ('error' in g) throw new Error(g.error);
  return g;
};
const m = (values: Record<string, unknown>) => ({ 'metrics.json': values as Record<string, number> });

describe('gate expressions', () => {
  it('parses every kind', () => {
    expect(gate('recall>=0.7')).toMatchObject({ metric: 'recall', kind: 'min', bound: 0.7 });
    expect(gate('loss <= 0.3')).toMatchObject({ metric: 'loss', kind: 'max', bound: 0.3 });
    expect(gate('accuracy:drop<=0.02')).toMatchObject({ kind: 'max_drop', bound: 0.02 });
    expect(gate('rmse:rise<=0.5')).toMatchObject({ kind: 'max_rise', bound: 0.5 });
    expect(gate('f1:drop<=2%')).toMatchObject({ kind: 'max_drop_pct', bound: 2 });
    expect(gate('latency_ms:rise<=10%')).toMatchObject({ kind: 'max_rise_pct', bound: 10, direction: 'lower' });
    expect(gate('eval.recall>=0.7')).toMatchObject({ metric: 'eval.recall' });
    expect(parseGateExpression('recall > seventy')).toHaveProperty('error');
    expect(parseGateExpression('recall>=70%')).toHaveProperty('error');
  });

  it('knows which way is better by name', () => {
    expect(['recall', 'precision', 'accuracy', 'f1', 'auc', 'roc_auc', 'eval.recall'].map(defaultDirection)).toEqual(Array(7).fill('higher'));
    expect(['loss', 'error', 'rmse', 'mae', 'latency', 'latency_ms', 'val_loss'].map(defaultDirection)).toEqual(Array(7).fill('lower'));
  });

  it('reads pipeline gates with their direction and level', () => {
    const gates = gatesFromPipeline({ loss: { max_rise_pct: 5, level: 'warn' }, recall: { min: 0.7, max_drop: 0.02 } }, 'pipeline.yaml');
    expect(gates.map((g) => [g.metric, g.kind, g.bound, g.direction, g.level])).toEqual([
      ['loss', 'max_rise_pct', 5, 'lower', 'warn'],
      ['recall', 'min', 0.7, 'higher', 'error'],
      ['recall', 'max_drop', 0.02, 'higher', 'error'],
    ]);
  });

  it('a name that says nothing takes its direction from a lone ceiling or floor; a known name keeps its own (exp show marks the best with it)', () => {
    const written = { 'smoke.failed': { max: 0 }, 'slices.x.count': { min: 30, max_drop: 5 }, loss: { min: 0 }, accuracy: { max: 0.99 } };
    expect(gatesFromPipeline(written, 'pipeline.yaml').map((g) => [g.metric, g.kind, g.direction])).toEqual([
      ['accuracy', 'max', 'higher'],
      ['loss', 'min', 'lower'],
      ['slices.x.count', 'min', 'higher'],
      ['slices.x.count', 'max_drop', 'higher'],
      ['smoke.failed', 'max', 'lower'],
    ]);
    expect(gate('invalid_predictions<=0')).toMatchObject({ kind: 'max', direction: 'lower' });
    expect(gate('accuracy<=0.99')).toMatchObject({ kind: 'max', direction: 'higher' });
    expect(gate('fn>=0')).toMatchObject({ kind: 'min', direction: 'higher' });
  });
});

describe('evaluateGates', () => {
  const run = (expr: string, current: Record<string, unknown>, base?: Record<string, unknown>) =>
    evaluateGates([gate(expr)], m(current), base && m(base)).results[0]!;

  it('evaluates absolute bounds', () => {
    expect(run('recall>=0.7', { recall: 0.7 }).status).toBe('pass');
    expect(run('recall>=0.7', { recall: 0.69 }).status).toBe('fail');
    expect(run('loss<=0.3', { loss: 0.31 }).status).toBe('fail');
  });

  it('evaluates drops and rises, absolute and in percent, against the baseline', () => {
    expect(run('accuracy:drop<=0.02', { accuracy: 0.68 }, { accuracy: 0.7 })).toMatchObject({ status: 'pass', baseline: 0.7 });
    expect(run('accuracy:drop<=0.02', { accuracy: 0.67 }, { accuracy: 0.7 }).status).toBe('fail');
    expect(run('rmse:rise<=0.1', { rmse: 1.2 }, { rmse: 1 }).status).toBe('fail');
    expect(run('f1:drop<=2%', { f1: 0.785 }, { f1: 0.8 }).status).toBe('pass');
    expect(run('f1:drop<=2%', { f1: 0.78 }, { f1: 0.8 }).status).toBe('fail');
    expect(run('latency_ms:rise<=10%', { latency_ms: 112 }, { latency_ms: 100 }).status).toBe('fail');
    expect(run('latency_ms:rise<=10%', { latency_ms: 90 }, { latency_ms: 100 }).status).toBe('pass');
  });

  it('fails closed on missing, non-numeric and NaN metrics', () => {
    expect(run('recall>=0.7', {})).toMatchObject({ status: 'fail', note: 'recall not found in any metrics file' });
    expect(run('recall>=0.7', { recall: 'high' }).status).toBe('fail');
    expect(run('recall>=0.7', { recall: Number.NaN }).status).toBe('fail');
    expect(run('recall:drop<=0.1', {}, { recall: 0.9 }).status).toBe('fail');
  });

  it('relative gates without a baseline are n/a and do not fail', () => {
    const report = evaluateGates([gate('recall:drop<=0.01')], m({ recall: 0.1 }), undefined);
    expect(report.results[0]).toMatchObject({ status: 'n/a', note: 'n/a (no baseline)' });
    expect(report.verdict).toBe('pass');
  });

  it('a failing warn-level gate warns and does not fail the verdict', () => {
    const [g] = gatesFromPipeline({ recall: { min: 0.9, level: 'warn' } }, 'pipeline.yaml');
    const report = evaluateGates([g!], m({ recall: 0.5 }), undefined);
    expect(report.results[0]!.status).toBe('warn');
    expect(report.verdict).toBe('pass');
  });
});

describe('gate tolerance (issue 16 item 8)', () => {
  const run = (expr: string, current: Record<string, unknown>, base?: Record<string, unknown>) =>
    evaluateGates([gate(expr)], m(current), base && m(base)).results[0]!;

  it('a tiny bound is not swallowed by an absolute epsilon', () => {
    expect(run('fpr<=1e-10', { fpr: 9e-10 }).status).toBe('fail');
    expect(run('fpr<=1e-10', { fpr: 1e-10 }).status).toBe('pass');
    expect(run('fpr>=1e-10', { fpr: 5e-11 }).status).toBe('fail');
    expect(run('fpr:rise<=1e-12', { fpr: 3e-12 }, { fpr: 1e-12 }).status).toBe('fail');
    expect(run('x:drop<=1e-10', { x: 1e-10 }, { x: 3e-10 }).status).toBe('fail');
  });

  it('rounding of decimal inputs still passes exact boundaries, at every magnitude', () => {
    expect(0.8 - 0.6).toBeGreaterThan(0.2);
    expect(run('accuracy:drop<=0.2', { accuracy: 0.6 }, { accuracy: 0.8 }).status).toBe('pass');
    expect(run('accuracy:drop<=0.02', { accuracy: 0.68 }, { accuracy: 0.7 }).status).toBe('pass');
    expect(run('x:drop<=0.02e-10', { x: 0.68e-10 }, { x: 0.7e-10 }).status).toBe('pass');
    expect(run('x:rise<=0.1', { x: 0.3 }, { x: 0.2 }).status).toBe('pass');
    expect(run('x:rise<=10%', { x: 1.1 }, { x: 1 }).status).toBe('pass');
    expect(run('x:drop<=10%', { x: 0.9e-12 }, { x: 1e-12 }).status).toBe('pass');
    expect(run('x:drop<=10%', { x: 0.89e-12 }, { x: 1e-12 }).status).toBe('fail');
    expect(run('x<=0.3', { x: 0.1 + 0.2 }).status).toBe('pass');
  });

  it('small values are printed so that they show', () => {
    expect(formatValue(9e-10)).toBe('9.0e-10');
    expect(formatValue(-1.26e-7)).toBe('-1.3e-7');
    expect(formatValue(0.00012)).toBe('0.00012');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(0.123456789)).toBe('0.12346');
  });

  it('a relative gate fails closed when the baseline was asked for but cannot be read, unless warn', () => {
    const unreadable = { 'metrics.json': 'its cached copy is not in the local cache' };
    const report = evaluateGates([gate('recall:drop<=0.1'), gate('recall>=0.5')], m({ recall: 0.9 }), {}, unreadable);
    expect(report.verdict).toBe('fail');
    expect(report.results[0]).toMatchObject({ status: 'fail', note: 'baseline metrics.json cannot be read: its cached copy is not in the local cache' });
    expect(report.results[0]!.hint).toContain('lockstep pull');
    expect(report.results[1]!.status).toBe('pass');
    const [warn] = gatesFromPipeline({ recall: { max_drop: 0.1, level: 'warn' } }, 'pipeline.yaml');
    expect(evaluateGates([warn!], m({ recall: 0.9 }), {}, unreadable)).toMatchObject({ verdict: 'pass', results: [{ status: 'warn' }] });
  });

  it('n/a only when no baseline was given: a metric the baseline lacks fails closed', () => {
    expect(run('recall:drop<=0.1', { recall: 0.9 }, { other: 1 })).toMatchObject({ status: 'fail', note: 'recall is not in the baseline' });
    expect(run('recall:drop<=0.1', { recall: 0.9 }, { recall: 'high' })).toMatchObject({ status: 'fail' });
    expect(run('recall:drop<=0.1', { recall: 0.9 })).toMatchObject({ status: 'n/a', note: 'n/a (no baseline)' });
  });
});

describe('wildcard gates (issue 15)', () => {
  const slices = {
    'slices.dept=Sales.recall': 0.8,
    'slices.dept=Sales.count': 120,
    'slices.dept=HR.recall': 0.55,
    'slices.dept=HR.count': 40,
    'slices.tenure=11+y.count': 9,
    'slices.nested.deeper.recall': 0.1,
    recall: 0.7,
  };
  const rows = (r: ReturnType<typeof evaluateGates>) => r.results.map((x) => [x.gate.metric, x.status]);

  it('gates every metric whose name matches, each in its own result, * standing for one segment', () => {
    const report = evaluateGates([gate('slices.*.recall >= 0.6')], m(slices), undefined);
    expect(rows(report)).toEqual([
      ['slices.dept=HR.recall', 'fail'],
      ['slices.dept=Sales.recall', 'pass'],
    ]);
    expect(report.verdict).toBe('fail');
    expect(report.results[0]).toMatchObject({ value: 0.55, note: 'slices.dept=HR.recall 0.55 breaks >= 0.6' });
    expect(report.results.every((r) => r.gate.pattern === 'slices.*.recall')).toBe(true);
    expect(rows(evaluateGates([gate('slices.dept=*.count<=100')], m(slices), undefined))).toEqual([
      ['slices.dept=HR.count', 'pass'],
      ['slices.dept=Sales.count', 'fail'],
    ]);
  });

  it('a pattern that matches nothing fails closed, also in a file that lacks it and at warn level it warns', () => {
    const none = evaluateGates([gate('slices.*.f1>=0.5')], m(slices), undefined);
    expect(none).toMatchObject({ verdict: 'fail', results: [{ status: 'fail', note: 'no metric matches slices.*.f1 in any metrics file' }] });
    expect(none.results[0]!.hint).toContain('metrics show');
    const [inOther] = gatesFromPipeline({ 'slices.*.recall': { min: 0.5, path: 'other.json' } }, 'pipeline.yaml');
    expect(evaluateGates([inOther!], m(slices), undefined).results[0]).toMatchObject({ status: 'fail', note: 'no metric matches slices.*.recall in other.json' });
    const [warn] = gatesFromPipeline({ 'nothing.*': { min: 0.5, level: 'warn' } }, 'pipeline.yaml');
    expect(evaluateGates([warn!], m(slices), undefined)).toMatchObject({ verdict: 'pass', results: [{ status: 'warn' }] });
    expect(evaluateGates([gate('slices.*.recall:drop<=0.1')], m({ recall: 1 }), m({ recall: 1 })).verdict).toBe('fail');
  });

  it('relative kinds compare each match with the same key at the baseline; a key the change lost fails', () => {
    const base = { 'slices.dept=Sales.recall': 0.85, 'slices.dept=HR.recall': 0.7, 'slices.dept=Ops.recall': 0.9 };
    const report = evaluateGates([gate('slices.*.recall:drop<=0.1')], m(slices), m(base));
    expect(report.results.map((r) => [r.gate.metric, r.status, r.baseline, r.note])).toEqual([
      ['slices.dept=HR.recall', 'fail', 0.7, 'slices.dept=HR.recall 0.55 breaks drop <= 0.1'],
      ['slices.dept=Ops.recall', 'fail', undefined, 'slices.dept=Ops.recall not found in any metrics file'],
      ['slices.dept=Sales.recall', 'pass', 0.85, undefined],
    ]);
    const fresh = evaluateGates([gate('slices.*.recall:drop<=0.1')], m(slices), m({ recall: 0.7 }));
    expect(new Set(fresh.results.map((r) => r.hint))).toEqual(new Set(["add the metrics slices.*.recall matches to the baseline's metrics, or set level: warn on the gate until it has it"]));
    const noBase = evaluateGates([gate('slices.*.recall:drop<=0.1')], m(slices), undefined);
    expect(noBase.results.map((r) => r.status)).toEqual(['n/a', 'n/a']);
    expect(noBase.verdict).toBe('pass');
  });

  it('regex characters in a pattern are literal and gatesFromPipeline keeps the pattern as declared', () => {
    expect(rows(evaluateGates([gate('slices.tenure=*+y.count<=10')], m(slices), undefined))).toEqual([['slices.tenure=11+y.count', 'pass']]);
    expect(rows(evaluateGates([gate('a.*>=1')], m({ 'a.b': 1, 'axb': 1, 'a.b.c': 1 }), undefined))).toEqual([['a.b', 'pass']]);
    expect(gatesFromPipeline({ 'slices.*.recall': { min: 0.6 } }, 'pipeline.yaml')[0]).toMatchObject({ metric: 'slices.*.recall', direction: 'higher' });
  });
});

describe('diffValues', () => {
  it('marks changed, added and removed values, with change and change %', () => {
    const rows = diffValues({ 'm.json': { a: 1, b: 2, gone: 3 } }, { 'm.json': { a: 1.5, b: 2, new: 'x' } });
    expect(rows).toEqual([
      { path: 'm.json', name: 'a', old: 1, new: 1.5, change: 0.5, changePct: 50, state: 'changed' },
      { path: 'm.json', name: 'gone', old: 3, new: undefined, state: 'removed' },
      { path: 'm.json', name: 'new', old: undefined, new: 'x', state: 'added' },
    ]);
    expect(diffValues({ 'm.json': { b: 2 } }, { 'm.json': { b: 2 } }, true)[0]!.state).toBe('unchanged');
  });
});
