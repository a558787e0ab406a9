// The one-line summary of processes a pass could not read. The pids themselves travel beside it
// (HolderResult.unreadablePids), for `--json` and the app's "which processes?", not in the line.

/** "37 processes could not be opened (run elevated)". */
export function unreadableSummary(count: number, what: string, advice: string): string {
  return `${count} ${count === 1 ? 'process' : 'processes'} ${what} (${advice})`;
}
