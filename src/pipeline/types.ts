import type { WrittenGate } from './schema.js';

/** Where something was written, for messages like `pipeline.yaml:12:5`. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : '';
}

/** All paths below are POSIX and relative to the pipeline root (`../x` when outside its folder), or a URL (external). */
export interface Dep {
  path: string;
  pos?: SourcePos;
}

export interface Out {
  path: string;
  cache: boolean;
  persist: boolean;
  metric: boolean;
  pos?: SourcePos;
}

/** Raw data tracked with `lockstep add`: cached and checked out like an out, produced by no stage. */
export interface DataEntry {
  path: string;
  pos?: SourcePos;
}

export interface ParamsRef {
  /** Params file, relative to the root. */
  file: string;
  /** Listed keys (dotted), or null for the whole file. */
  keys: string[] | null;
  pos?: SourcePos;
}

export interface Stage {
  name: string;
  desc?: string;
  /** Commands after `${}` interpolation, run in order. */
  cmd: string[];
  wdir: string;
  deps: Dep[];
  params: ParamsRef[];
  outs: Out[];
  env: string[];
  frozen: boolean;
  alwaysChanged: boolean;
  pos?: SourcePos;
  /** The pipeline file it is written in (relative to the root) and its name there (`train`, `train@a`). */
  origin: { file: string; name: string };
}

/** One pipeline file of several loaded together (`-R`): its own lock, its paths under `prefix`. */
export interface PipelineMember {
  /** Absolute path of the pipeline file. */
  file: string;
  /** The file relative to the combined root, as targets and messages name it (`pipelines/dvc.yaml`). */
  label: string;
  lockFile: string;
  /** Its folder relative to the combined root (`.` for the root itself). */
  prefix: string;
}

export interface Pipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  /** Absolute directory every path is relative to: the pipeline file's folder. */
  root: string;
  /** The repository (git root, else `root`): paths may use `../` but never leave it. */
  repoRoot: string;
  /** Absolute path of the lock file. */
  lockFile: string;
  /** In the order of the pipeline file (generated stages in generation order). */
  stages: Stage[];
  metrics: string[];
  gates: Record<string, WrittenGate>;
  /** The top-level `data:` list, in the order written. */
  data: DataEntry[];
  /** Set when several pipeline files were loaded as one graph; each keeps its own lock. */
  members?: PipelineMember[];
}
