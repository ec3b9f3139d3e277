// What every benchmark section hands back to the runner.

export type Verdict = 'PASS' | 'FAIL' | 'SKIPPED';

export interface TargetResult {
  target: string;
  verdict: Verdict;
  /** The measured value(s) the verdict rests on. */
  detail: string;
}

export interface SectionResult {
  title: string;
  /** Markdown body: tables and notes. */
  body: string;
  targets: TargetResult[];
}

export interface SectionContext {
  quick: boolean;
  /** Scratch directory for this run, removed at the end. */
  workDir: string;
  log: (message: string) => void;
  /** Node flags for the controller process (`--node-args`), e.g. to try V8 heap sizes. */
  controllerNodeArgs: string[];
  /** Environment of the controller process: the image's `ENV` unless `--node-env` names another. */
  controllerEnv: Record<string, string>;
  /** The compiled controller entry the image runs (dist/main.js). */
  controllerScript: string;
  /** Repository counts for the scale section (`--scale`); default per mode. */
  scaleLevels: number[] | undefined;
  /** Scale levels at which to take and summarize a heap snapshot of the controller (`--heap-snapshot`). */
  heapSnapshotLevels: number[] | undefined;
  /** Where to copy each heap snapshot for a closer look in a heap profiler (`--keep-heap-snapshot`). */
  keepHeapSnapshotDir?: string | undefined;
}
