// One row of `npm run bench`: our number beside a baseline measured in the same run.
export interface BenchRow {
  /** Section of the table, e.g. "scaffold", "backend", "widgets". */
  group: string
  metric: string
  unit: string
  ours: number
  /** What `ours` is compared with, measured in the same run. */
  baselineName: string
  baseline: number
  note?: string
}

export type Bench = () => Promise<BenchRow[]>
