/**
 * What a worker's close() does after the drain: wait for jobs aborted at the end of the grace
 * to hand themselves back, flush the ledger (up to 5 s), close queues and Redis.
 */
const SHUTDOWN_CLOSE_MARGIN_MS = 15_000;

/**
 * The hard cap on a worker process's shutdown, derived from its one setting
 * (`WORKER_SHUTDOWN_GRACE_MS`): the grace for active jobs plus the close margin. An orchestrator's
 * kill timeout (docker-compose `stop_grace_period`, Kubernetes `terminationGracePeriodSeconds`)
 * must be longer, as Sidekiq's `-t` timeout must stay below the orchestrator's.
 */
export function shutdownDeadlineMs(shutdownGraceMs: number): number {
  return shutdownGraceMs + SHUTDOWN_CLOSE_MARGIN_MS;
}
