/**
 * Redis names for one task's events. Keys share the `{taskId}` hash tag, so the publish
 * script's keys land in one slot on Redis Cluster.
 */
export interface TaskEventKeys {
  /** Counter behind the per-task sequence numbers. */
  readonly sequence: string;
  /** The capped replay log (a list of event JSON, oldest first). */
  readonly log: string;
  /** Set once a terminal event went out; later events are dropped until a `retried`. */
  readonly terminal: string;
  /** The task's current run (its retry count), set by `retried`: older runs' events are dropped. */
  readonly run: string;
  /**
   * The fencing counter of the task's stream: each run that streams claims the next number, and
   * events carrying an older one are dropped (a worker woken after its job was taken over).
   */
  readonly holder: string;
  /** Ids of the last events published (`<id>:<sequence>`, capped): a resent publish is not repeated. */
  readonly sent: string;
  /** Pub/sub channel of live events. */
  readonly channel: string;
}

/** The keys and channel of a task's events under a queue prefix. */
export function taskEventKeys(prefix: string, taskId: string): TaskEventKeys {
  const base = `${prefix}:events:{${taskId}}`;
  return {
    sequence: `${base}:sequence`,
    log: `${base}:log`,
    terminal: `${base}:terminal`,
    run: `${base}:run`,
    sent: `${base}:sent`,
    holder: `${base}:holder`,
    channel: taskEventChannel(prefix, taskId),
  };
}

/** The live channel of one task. Subscribe to `${prefix}:events:live:*` for every task. */
export function taskEventChannel(prefix: string, taskId: string): string {
  return `${prefix}:events:live:${taskId}`;
}
