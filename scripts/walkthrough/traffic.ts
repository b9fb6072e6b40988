/** Users' traffic through the HTTP API, and waiting until it has settled. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fleet } from './fleet.js';

const PROMPTS = [
  'Continue the chapter where Mara finds the map under the floorboards.',
  'Suggest three names for a lighthouse keeper in a northern fishing town.',
  'Summarize the plot so far in two sentences.',
  'Rewrite this paragraph in a warmer tone: the rain had not stopped for days.',
  'What would the antagonist want most, and why?',
  'Give me a one-line hook for chapter twelve.',
];

const TERMINAL = new Set(['completed', 'failed', 'timeout', 'cancelled']);

export interface TaskView {
  readonly id: string;
  readonly status: string;
  readonly model: string | null;
  readonly error: { readonly code: string } | null;
}

async function post(fleet: Fleet, path: string, user: Record<string, string>, body: unknown) {
  const response = await fetch(`${fleet.apiUrl}${path}`, {
    method: 'POST',
    headers: { ...user, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) {
    throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { taskId: string }).taskId;
}

function userAt(fleet: Fleet, index: number): Record<string, string> {
  const user = fleet.users[index % fleet.users.length];
  if (user === undefined) throw new Error('the fleet has no users');
  return user;
}

/**
 * `count` generations of `model` (`POST /api/ai/generate`, not streamed), from several users.
 * `fallback: false` pins them to the model, as a feature that needs that one model would.
 */
export function sendGenerations(
  fleet: Fleet,
  model: string,
  count: number,
  { fallback = true }: { fallback?: boolean } = {},
): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      post(fleet, '/api/ai/generate', userAt(fleet, index), {
        model,
        prompt: PROMPTS[index % PROMPTS.length],
        max_tokens: 200,
        stream: false,
        fallback,
      }),
    ),
  );
}

/** `count` long generations as background tasks (`POST /api/ai/background-task`). */
export function sendBackgroundTasks(fleet: Fleet, model: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      post(fleet, '/api/ai/background-task', userAt(fleet, index), {
        type: 'ai_background_generation',
        input: {
          model,
          messages: [{ role: 'user', content: `Draft chapter ${index + 3} from the outline.` }],
          maxTokens: 400,
        },
      }),
    ),
  );
}

async function readTask(fleet: Fleet, taskId: string): Promise<TaskView> {
  // An operator's key reads any user's task.
  const response = await fetch(`${fleet.apiUrl}/api/tasks/${taskId}`, {
    headers: { authorization: `Bearer ${fleet.operatorKey}` },
  });
  return (await response.json()) as TaskView;
}

/** Polls the tasks until each has ended, then until the ledger has written every attempt. */
export async function waitForTasks(
  fleet: Fleet,
  taskIds: readonly string[],
  timeoutMs = 90_000,
): Promise<TaskView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = await Promise.all(taskIds.map((id) => readTask(fleet, id)));
    if (tasks.every((task) => TERMINAL.has(task.status))) {
      await waitForLedger(fleet);
      return tasks;
    }
    if (Date.now() > deadline) {
      const open = tasks.filter((task) => !TERMINAL.has(task.status));
      throw new Error(`tasks still open after ${timeoutMs} ms: ${JSON.stringify(open)}`);
    }
    await sleep(250);
  }
}

/** The ledger writes attempts in batches: wait until `ai_requests` stops growing. */
async function waitForLedger(fleet: Fleet): Promise<void> {
  let last = -1;
  for (;;) {
    const [row] = await fleet.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ai_requests',
    );
    if (row?.n === last) return;
    last = row?.n ?? 0;
    await sleep(750);
  }
}

/** Resolves once `provider`'s circuit lets a probe through (its cool-down has passed). */
export async function waitForProbe(fleet: Fleet, provider: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${fleet.apiUrl}/api/admin/providers`, {
      headers: { authorization: `Bearer ${fleet.operatorKey}` },
    });
    const body = (await response.json()) as {
      providers: Record<string, { circuit: { state: string } }>;
    };
    if (body.providers[provider]?.circuit.state !== 'open') return;
    if (Date.now() > deadline) throw new Error(`${provider}'s circuit stayed open`);
    await sleep(500);
  }
}

/** Counts how many tasks ended in each state, e.g. `{ completed: 10, failed: 2 }`. */
export function countByStatus(tasks: readonly TaskView[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const task of tasks) counts[task.status] = (counts[task.status] ?? 0) + 1;
  return counts;
}
