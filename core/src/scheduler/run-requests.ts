/** At most this many "Run now" requests are remembered at once (the oldest go first). */
const MAX_RUN_REQUESTS = 10_000;

/** What a `check.run` asked for; its result is accepted by the ingest while remembered. */
export interface RunRequest {
  requestId: string;
  hostId: number;
  checkRowId: number | null;
  pluginRowId: number;
  pluginId: string;
  historyCount: number;
  defaultClassifier: string;
  at: number;
}

/** "Run now" requests remembered for their results to be accepted, for `ttlMs` and at most {@link MAX_RUN_REQUESTS}. */
export function createRunRequests(config: { ttlMs: number }, now: () => number): { remember(r: RunRequest): void; get(requestId: string): RunRequest | undefined } {
  const runRequests = new Map<string, RunRequest>();
  return {
    remember(r) {
      runRequests.set(r.requestId, r);
      const cutoff = now() - config.ttlMs;
      for (const [id, old] of runRequests) {
        if (old.at >= cutoff && runRequests.size <= MAX_RUN_REQUESTS) break;
        runRequests.delete(id);
      }
    },
    get: (requestId) => runRequests.get(requestId),
  };
}
