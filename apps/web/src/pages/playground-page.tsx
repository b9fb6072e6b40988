import {
  Alert,
  Badge,
  Button,
  Group,
  MultiSelect,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useEffect, useReducer, useRef, useState } from 'react';
import type { TaskEvent } from '@aiq/client';
import { callApi, clientFor, describeError } from '../session.js';
import {
  applyTaskEvent,
  EMPTY_STREAM,
  type StatusChip,
  type StreamState,
} from '../stream-state.js';
import { streamTask } from '../task-stream.js';

const CHIP_COLORS: Record<StatusChip['kind'], string> = {
  queued: 'gray.7',
  started: 'blue.9',
  retrying: 'orange.4',
  fallback: 'grape.9',
  done: '#1b5e20',
  error: 'red.9',
  cancelled: 'dark',
};

interface ModelList {
  readonly data: readonly { id: string; lifecycle: string }[];
}

type Action = { type: 'reset' } | { type: 'event'; event: TaskEvent };

function reduce(state: StreamState, action: Action): StreamState {
  return action.type === 'reset' ? EMPTY_STREAM : applyTaskEvent(state, action.event);
}

/** The task the playground shows, kept in the URL so a reload resumes it. */
function taskInUrl(): string | undefined {
  return new URLSearchParams(window.location.search).get('task') ?? undefined;
}

function setTaskInUrl(taskId: string | undefined): void {
  const url = new URL(window.location.href);
  if (taskId === undefined) url.searchParams.delete('task');
  else url.searchParams.set('task', taskId);
  history.replaceState(null, '', url);
}

function Countdown({ until }: { until: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, (until - now) / 1000);
  return <> in {seconds.toFixed(1)} s</>;
}

function Chips({ chips }: { chips: readonly StatusChip[] }) {
  return (
    <Group gap="xs" role="status" aria-label="Task status" aria-live="polite">
      {chips.map((chip, index) => (
        <Badge
          key={index}
          color={CHIP_COLORS[chip.kind]}
          variant="filled"
          size="lg"
          tt="none"
          data-chip={chip.kind}
        >
          {chip.label}
          {chip.kind === 'retrying' && chip.until !== undefined && index === chips.length - 1 ? (
            <Countdown until={chip.until} />
          ) : null}
        </Badge>
      ))}
    </Group>
  );
}

export function PlaygroundPage({ apiKey }: { apiKey: string }) {
  const [models, setModels] = useState<string[]>([]);
  const [model, setModel] = useState<string | null>(null);
  const [ensembleModels, setEnsembleModels] = useState<string[]>([]);
  const [mode, setMode] = useState<'single' | 'ensemble'>('single');
  const [prompt, setPrompt] = useState('');
  const [taskId, setTaskId] = useState<string | undefined>(taskInUrl);
  const [failure, setFailure] = useState<string | undefined>();
  const [stream, dispatch] = useReducer(reduce, EMPTY_STREAM);
  const [streaming, setStreaming] = useState(false);
  const controller = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    callApi<ModelList>(apiKey, '/v1/models')
      .then((list) => {
        const usable = list.data
          .filter((entry) => entry.lifecycle !== 'retired')
          .map((entry) => entry.id);
        setModels(usable);
        setModel((current) => current ?? usable[0] ?? null);
      })
      .catch((error: unknown) => setFailure(describeError(error)));
  }, [apiKey]);

  // Follows the task in the URL: a new submission, or the one a reload left there.
  useEffect(() => {
    if (taskId === undefined) return;
    const abort = new AbortController();
    controller.current = abort;
    dispatch({ type: 'reset' });
    setStreaming(true);
    void (async () => {
      try {
        for await (const event of streamTask(apiKey, taskId, abort.signal)) {
          dispatch({ type: 'event', event });
        }
      } catch (error) {
        if (!abort.signal.aborted) setFailure(describeError(error));
      } finally {
        if (!abort.signal.aborted) setStreaming(false);
      }
    })();
    return () => abort.abort();
  }, [apiKey, taskId]);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setFailure(undefined);
    const client = clientFor(apiKey);
    try {
      const accepted =
        mode === 'ensemble'
          ? await client.ensemble({
              prompt,
              ...(ensembleModels.length > 0 ? { models: ensembleModels } : {}),
            })
          : await client.generate({ prompt, model: model ?? '' });
      setTaskInUrl(accepted.taskId);
      setTaskId(accepted.taskId);
    } catch (error) {
      setFailure(describeError(error));
    }
  }

  async function stop() {
    if (taskId === undefined) return;
    try {
      await clientFor(apiKey).cancel(taskId);
    } catch (error) {
      setFailure(describeError(error));
    }
  }

  const candidates = Object.entries(stream.candidates);
  return (
    <Stack>
      <Title order={1}>Playground</Title>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <SegmentedControl
            aria-label="Mode"
            value={mode}
            onChange={(value) => setMode(value === 'ensemble' ? 'ensemble' : 'single')}
            data={[
              { label: 'One model', value: 'single' },
              { label: 'Ensemble', value: 'ensemble' },
            ]}
          />
          {mode === 'single' ? (
            <Select
              label="Model"
              data={models}
              value={model}
              onChange={setModel}
              allowDeselect={false}
            />
          ) : (
            <MultiSelect
              label="Models (none: one per provider)"
              data={models}
              value={ensembleModels}
              onChange={setEnsembleModels}
              maxValues={8}
            />
          )}
          <Textarea
            label="Prompt"
            required
            autosize
            minRows={3}
            value={prompt}
            onChange={(event) => setPrompt(event.currentTarget.value)}
          />
          <Group>
            <Button type="submit" disabled={prompt.trim() === '' || (streaming && !stream.ended)}>
              Generate
            </Button>
            <Button
              type="button"
              color="red"
              variant="outline"
              onClick={() => void stop()}
              disabled={!streaming || stream.ended}
            >
              Stop
            </Button>
          </Group>
        </Stack>
      </form>
      {failure === undefined ? null : (
        <Alert color="red.9" title="Something went wrong" role="alert">
          {failure}
        </Alert>
      )}
      {taskId === undefined ? (
        <Text c="dimmed">Write a prompt and press Generate: the answer streams here.</Text>
      ) : (
        <Stack>
          <Text size="sm" c="dimmed">
            Task <code data-testid="task-id">{taskId}</code>
          </Text>
          <Chips chips={stream.chips} />
          {candidates.length > 0 ? (
            <SimpleGrid cols={{ base: 1, sm: Math.min(candidates.length, 3) }}>
              {candidates.map(([name, text]) => (
                <Paper
                  key={name}
                  withBorder
                  p="md"
                  component="section"
                  aria-label={`Candidate ${name}`}
                >
                  <Title order={2} size="h4">
                    {name}
                  </Title>
                  <Text style={{ whiteSpace: 'pre-wrap' }}>{text}</Text>
                </Paper>
              ))}
            </SimpleGrid>
          ) : (
            <Paper withBorder p="md" component="section" aria-label="Answer">
              <Text data-testid="answer" style={{ whiteSpace: 'pre-wrap' }}>
                {stream.text}
              </Text>
            </Paper>
          )}
        </Stack>
      )}
    </Stack>
  );
}
