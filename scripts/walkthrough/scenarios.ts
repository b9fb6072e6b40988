/**
 * The runbook's five scenarios, each as an operator lives it: the fault strikes, users' traffic
 * meets it, and the operator diagnoses and repairs with `aiq`. Every number in a sentence is read
 * from the run; every block of output is what the command printed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fleet } from './fleet.js';
import type { Scenario } from './render-walkthrough.js';
import {
  countByStatus,
  sendBackgroundTasks,
  sendGenerations,
  waitForProbe,
  waitForTasks,
  type TaskView,
} from './traffic.js';
import { Transcript } from './transcript.js';

/** `12 completed on claude-sonnet-5-5`, or `2 completed, 1 timeout on deepseek-chat`. */
function outcome(tasks: readonly TaskView[]): string {
  const counts = Object.entries(countByStatus(tasks))
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const models = [...new Set(tasks.map((task) => task.model))].join(' and ');
  return `${counts} on ${models}`;
}

/**
 * Stops the run when it did not go as the prose around it says: a README that tells a story its
 * own output contradicts is worse than none.
 */
function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(`the walkthrough expected ${what}`);
}

const all = (tasks: readonly TaskView[], status: string, model?: string) =>
  tasks.every((task) => task.status === status && (model === undefined || task.model === model));

/** The provider's circuit as every process routes by it. */
async function circuitOf(fleet: Fleet, provider: string): Promise<string | undefined> {
  const response = await fetch(`${fleet.apiUrl}/api/admin/providers`, {
    headers: { authorization: `Bearer ${fleet.operatorKey}` },
  });
  const body = (await response.json()) as {
    providers: Record<string, { circuit: { state: string } }>;
  };
  return body.providers[provider]?.circuit.state;
}

/** How many of these tasks' attempts (`ai_requests` rows) failed with `errorCode`. */
async function failedAttempts(fleet: Fleet, ids: readonly string[], errorCode: string) {
  const [row] = await fleet.database.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ai_requests
     WHERE error_code = $1 AND task_id = ANY(string_to_array($2, ',')::uuid[])`,
    [errorCode, ids.join(',')],
  );
  return row?.n ?? 0;
}

/** Only the traffic of the scenario at hand: the walkthrough leaves a minute between scenarios. */
const SINCE = ['--since', '1m'];

/**
 * `aiq status` in the README: the severity, the totals and the errors; the hourly success rate,
 * the routing and the queue depths follow in the full transcript.
 */
const STATUS_TRIM = { until: 'By hour:' };

/** Resolves once `GET /api/status` (cached a few seconds) shows a notice. */
async function waitForNotice(fleet: Fleet) {
  for (let tries = 0; tries < 40; tries += 1) {
    const body = (await (await fetch(`${fleet.apiUrl}/api/status`)).json()) as { notice: unknown };
    if (body.notice !== null) return;
    await sleep(500);
  }
  throw new Error('GET /api/status did not show the notice');
}

export async function providerOutage(fleet: Fleet): Promise<Scenario> {
  const transcript = new Transcript(fleet);
  fleet.mock.addScenario({ provider: 'openai', fault: 'service_unavailable' });
  const tasks = await waitForTasks(fleet, await sendGenerations(fleet, 'gpt-5.6-sol', 12));
  check(all(tasks, 'completed', 'claude-sonnet-5-5'), 'every task answered by the fallback');
  check((await circuitOf(fleet, 'openai')) === 'open', "OpenAI's circuit open");
  transcript.say(
    `OpenAI answers every call with 503. Users send 12 requests for gpt-5.6-sol: ${outcome(tasks)}, ` +
      'after their attempts on OpenAI failed or, once its circuit opened, at once. `aiq status` ' +
      'rates the incident and `aiq provider list` shows the open circuit. Switch OpenAI off for ' +
      'the whole fleet and tell users, as the runbook says:',
  );
  await transcript.aiq(['status', ...SINCE], STATUS_TRIM);
  await transcript.aiq(['provider', 'list']);
  await transcript.aiq([
    'provider',
    'disable',
    'openai',
    '--reason',
    'status.openai.com: elevated 503s',
  ]);
  await transcript.aiq([
    'notice',
    'set',
    'Answers may come from another model while OpenAI recovers',
    '--severity',
    'major',
  ]);
  await waitForNotice(fleet);
  await transcript.shell('curl -s $AIQ_API_URL/api/status | jq .');
  const during = await waitForTasks(fleet, await sendGenerations(fleet, 'gpt-5.6-sol', 4));
  check(all(during, 'completed', 'claude-sonnet-5-5'), 'the fallback to answer while disabled');
  fleet.mock.clearScenarios();
  await waitForProbe(fleet, 'openai');
  transcript.say(
    `While OpenAI is off, requests for gpt-5.6-sol go straight to the fallback (${outcome(during)}). ` +
      'When its status page is green again, switch it back on and clear the notice; the first ' +
      "call after the circuit's cool-down probes OpenAI and closes it:",
  );
  await transcript.aiq(['provider', 'enable', 'openai']);
  await transcript.aiq(['notice', 'clear']);
  // One request: a half-open circuit lets one probe through, and the rest fall back meanwhile.
  const probe = await waitForTasks(fleet, await sendGenerations(fleet, 'gpt-5.6-sol', 1));
  check(all(probe, 'completed', 'gpt-5.6-sol'), 'OpenAI to answer the probe');
  await transcript.aiq(['provider', 'list']);
  return { title: 'Provider outage', steps: transcript.steps };
}

export async function rateLimitStorm(fleet: Fleet): Promise<Scenario> {
  const transcript = new Transcript(fleet);
  const startedAt = Date.now();
  fleet.mock.addScenario({
    provider: 'anthropic',
    fault: { fault: 'rate_limit', retryAfter: 1 },
    count: 10,
  });
  const ids = await sendGenerations(fleet, 'claude-sonnet-5-5', 16);
  const tasks = await waitForTasks(fleet, ids);
  const calls = fleet.mock
    .requests({ provider: 'anthropic' })
    .filter((call) => call.timestamp >= startedAt && call.method === 'POST');
  const refused = calls.filter((call) => call.status === 429).length;
  check(refused > 0 && all(tasks, 'completed', 'claude-sonnet-5-5'), '429s, and every task done');
  const [limited] = await fleet.database.query<{ task_id: string }>(
    `SELECT task_id FROM ai_requests
     WHERE error_code = 'rate_limited' AND task_id = ANY(string_to_array($1, ',')::uuid[])
     ORDER BY created_at LIMIT 1`,
    [ids.join(',')],
  );
  transcript.say(
    `A burst of 16 requests for claude-sonnet-5-5 meets Anthropic's limit: it refuses ${refused} ` +
      `of ${calls.length} calls with 429 and \`retry-after: 1\`; ${outcome(tasks)}. Each 429 holds ` +
      'every call to Anthropic for the time asked, and costs its task no attempt. `aiq status` ' +
      "counts the 429s as errors (`rate_limited`), as the runbook's query does, though every " +
      "task completed; `aiq tasks show` has one task's wait, and `aiq usage` what the hour cost:",
  );
  await transcript.aiq(['status', ...SINCE], STATUS_TRIM);
  if (limited !== undefined) {
    await transcript.aiq(['tasks', 'show', limited.task_id], { from: 'Attempts:' });
  }
  await transcript.aiq(['usage', '--since', '1h', '--by', 'model']);
  return { title: 'Rate-limit storm', steps: transcript.steps };
}

export async function timeouts(fleet: Fleet): Promise<Scenario> {
  const transcript = new Transcript(fleet);
  fleet.mock.addScenario({ provider: 'deepseek', fault: 'hang' });
  const ids = await sendGenerations(fleet, 'deepseek-chat', 3, { fallback: false });
  const tasks = await waitForTasks(fleet, ids);
  check(all(tasks, 'timeout', 'deepseek-chat'), 'every task to time out');
  check((await failedAttempts(fleet, ids, 'timeout')) === 9, 'three timed-out attempts a task');
  transcript.say(
    'DeepSeek accepts calls and never answers. Users send 3 requests pinned to deepseek-chat ' +
      `(\`"fallback": false\`): each attempt times out after GENERATE_TIMEOUT_MS, and after ` +
      `three attempts the tasks end: ${outcome(tasks)}. \`aiq status\` shows the timeout rate; ` +
      '`aiq bulk-retry --dry-run` shows what a retry would take:',
  );
  await transcript.aiq(['status', ...SINCE], STATUS_TRIM);
  await transcript.aiq(['bulk-retry', '--status', 'timeout', '--dry-run']);
  fleet.mock.clearScenarios();
  const retry = new Transcript(fleet);
  await retry.aiq(['bulk-retry', '--status', 'timeout']);
  const retried = await waitForTasks(fleet, ids);
  check(all(retried, 'completed', 'deepseek-chat'), 'the retried tasks to complete');
  transcript.say(
    `Once DeepSeek answers again, retry them on their own ids (${outcome(retried)} after it):`,
  );
  return { title: 'Timeouts', steps: [...transcript.steps, ...retry.steps] };
}

export async function invalidKey(fleet: Fleet): Promise<Scenario> {
  const badKey = { DEEPSEEK_API_KEY: 'invalid-sk-revoked-deepseek-key' };
  const transcript = new Transcript(fleet, badKey);
  await fleet.restartWorker(badKey);
  const ids = await sendGenerations(fleet, 'deepseek-chat', 6);
  const tasks = await waitForTasks(fleet, ids);
  check(all(tasks, 'completed', 'gpt-5.6-sol'), 'every task answered by the fallback');
  check((await failedAttempts(fleet, ids, 'auth')) === 6, 'one refused attempt a task');
  transcript.say(
    'A deploy shipped a revoked DeepSeek key. Users send 6 requests for deepseek-chat: ' +
      `${outcome(tasks)}, after DeepSeek refused each with 401 (\`auth\`, never retried). ` +
      '`aiq status` shows the `auth` errors, and `aiq doctor`, run with the deployment’s ' +
      'environment, names the key that fails (by its length, never its value):',
  );
  await transcript.aiq(['status', ...SINCE], STATUS_TRIM);
  await transcript.aiq(['doctor']);
  await fleet.restartWorker();
  const fixed = new Transcript(fleet);
  fixed.say('Put the right key back, restart the workers, and check again:');
  await fixed.shell('aiq doctor | grep deepseek');
  return { title: 'Invalid API key', steps: [...transcript.steps, ...fixed.steps] };
}

export async function failedBackgroundTasks(fleet: Fleet): Promise<Scenario> {
  const transcript = new Transcript(fleet);
  fleet.mock.addScenario({ provider: 'anthropic', fault: 'overloaded' });
  const ids = await sendBackgroundTasks(fleet, 'claude-sonnet-5-5', 2);
  const tasks = await waitForTasks(fleet, ids);
  check(all(tasks, 'failed'), 'both tasks to fail');
  check((await failedAttempts(fleet, ids, 'overloaded')) === 6, 'three attempts a task');
  transcript.say(
    `Anthropic is overloaded (529) while two background tasks run: ${outcome(tasks)}, each ` +
      'after its three attempts, and both are in the dead-letter queue (beside the timed-out ' +
      "generations retried above). `aiq dlq show` has every attempt's error; the runbook's own " +
      'query finds the tasks too:',
  );
  await transcript.aiq(['dlq', 'list']);
  await transcript.aiq(['dlq', 'show', ids[0] ?? ''], {
    omitBlocks: [{ start: 'Payload:', end: 'Failures:' }],
  });
  await transcript.aiq(['runbook', 'failedBackgroundTasks']);
  fleet.mock.clearScenarios();
  const replay = new Transcript(fleet);
  await replay.aiq(['dlq', 'replay', '--all']);
  const replayed = await waitForTasks(fleet, ids);
  check(all(replayed, 'completed'), 'the replayed tasks to complete');
  const { output } = await replay.aiq(['runbook', 'failedBackgroundTasks']);
  check(output.trim() === '(0 rows)', "the runbook's query to come back empty");
  transcript.say(
    `When Anthropic recovers, replay them (${outcome(replayed)} after it); the runbook's query ` +
      'comes back empty:',
  );
  return { title: 'Failed background tasks', steps: [...transcript.steps, ...replay.steps] };
}
