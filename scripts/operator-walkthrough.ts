/**
 * `pnpm docs:walkthrough`: runs the runbook's scenarios against a real fleet (the API and a
 * worker as their own processes, the mock LLM server as the providers) and writes what the
 * operator's commands printed into the README's on-call section, and the untrimmed transcript
 * into docs/operator-walkthrough.md. It uses a database and a Redis prefix of its own and removes
 * both at the end. It takes about eight minutes, most of it the quiet minute between scenarios.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { defaultOf, envVariables, type EnvVariableName } from '@aiq/config';
import { FAST_SETTINGS, startFleet, type Fleet } from './walkthrough/fleet.js';
import {
  renderScenarios,
  renderSettings,
  replaceBetweenMarkers,
  type Scenario,
} from './walkthrough/render-walkthrough.js';
import {
  failedBackgroundTasks,
  invalidKey,
  providerOutage,
  rateLimitStorm,
  timeouts,
} from './walkthrough/scenarios.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const docsDirectory = fileURLToPath(new URL('../docs/', import.meta.url));
const MARKERS = {
  start: '<!-- operator-walkthrough:start -->',
  end: '<!-- operator-walkthrough:end -->',
};

/**
 * Quiet time between scenarios: each `aiq status --since 1m` then sees its own scenario's
 * traffic only, as an operator looking at the last minute of one incident would.
 */
const GAP_MS = 65_000;

const SCENARIOS: readonly ((fleet: Fleet) => Promise<Scenario>)[] = [
  providerOutage,
  rateLimitStorm,
  timeouts,
  invalidKey,
  failedBackgroundTasks,
];

async function runScenarios(fleet: Fleet): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  let endedAt: number | undefined;
  for (const scenario of SCENARIOS) {
    if (endedAt !== undefined) await sleep(Math.max(0, endedAt + GAP_MS - Date.now()));
    process.stdout.write(`${new Date().toISOString()} ${scenario.name}\n`);
    scenarios.push(await scenario(fleet));
    endedAt = Date.now();
  }
  return scenarios;
}

/** The sentence that says which settings the run shortened, beside their defaults. */
function settingsSentence(): string {
  const settings = (Object.entries(FAST_SETTINGS) as [EnvVariableName, string][]).map(
    ([name, value]) => {
      const fallback = defaultOf(envVariables[name]);
      return {
        name,
        value,
        ...(fallback === undefined ? {} : { fallback: `default ${fallback}` }),
      };
    },
  );
  return (
    `Settings of this run, shortened so that it takes minutes: ${renderSettings(settings)}. ` +
    'A minute passes between scenarios, so `aiq status --since 1m` sees one incident at a time.'
  );
}

async function writeOutputs(scenarios: readonly Scenario[]): Promise<void> {
  const section = `${settingsSentence()}\n\n${renderScenarios(scenarios)}`;
  const readme = await readFile(readmePath, 'utf8');
  await writeFile(readmePath, replaceBetweenMarkers(readme, section, MARKERS));
  await mkdir(docsDirectory, { recursive: true });
  const transcript = [
    '# The runbook’s scenarios with `aiq`: the full transcript',
    '',
    'Written by `pnpm docs:walkthrough` (`scripts/operator-walkthrough.ts`) on ' +
      `${new Date().toISOString().slice(0, 10)}; the README’s section “On call: the runbook’s ` +
      'scenarios with `aiq`” shows the same run, trimmed. Nothing here is cut.',
    '',
    settingsSentence(),
    '',
    renderScenarios(scenarios, { full: true }).replaceAll(/^### /gm, '## '),
    '',
  ].join('\n');
  await writeFile(join(docsDirectory, 'operator-walkthrough.md'), transcript);
}

async function main(): Promise<void> {
  // Checked first: a README without the markers would waste the whole run.
  replaceBetweenMarkers(await readFile(readmePath, 'utf8'), '', MARKERS);
  const fleet = await startFleet();
  let scenarios: Scenario[];
  try {
    scenarios = await runScenarios(fleet);
  } catch (error) {
    const logPath = join(tmpdir(), `operator-walkthrough-${process.pid}.log`);
    await writeFile(logPath, fleet.logs());
    process.stderr.write(`The API's and the workers' logs are in ${logPath}\n`);
    throw error;
  } finally {
    await fleet.close();
  }
  await writeOutputs(scenarios);
  process.stdout.write('README.md (On call: the runbook’s scenarios) and docs/ updated\n');
}

await main();
