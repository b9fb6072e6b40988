/** Why a worker aborted a job's signal (`AbortSignal.reason`). */
export const ABORT_REASON = { cancelled: 'cancelled', shutdown: 'shutdown' } as const;
