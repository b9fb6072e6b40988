import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { Task, TaskList } from '@aiq/client';
import { clientFor, describeError } from '../session.js';
import { BackgroundTaskForm } from './background-task-form.js';

const STATUSES = ['pending', 'processing', 'completed', 'failed', 'timeout', 'cancelled'];
const STATUS_COLORS: Record<string, string> = {
  pending: 'gray.7',
  processing: 'blue.9',
  completed: '#1b5e20',
  failed: 'red.9',
  timeout: 'orange.4',
  cancelled: 'dark',
};
const POLL_MS = 2_000;

function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'} variant="filled">
      {status}
    </Badge>
  );
}

function time(iso: string | null): string {
  return iso === null ? '—' : new Date(iso).toLocaleTimeString();
}

/** A generation's answer (`result.text`), if it has one. */
function answerOf(task: Task): string | undefined {
  const result = task.result as { text?: unknown } | null;
  return typeof result?.text === 'string' ? result.text : undefined;
}

function TaskDetail({ task, apiKey }: { task: Task; apiKey: string }) {
  const [failure, setFailure] = useState<string | undefined>();
  const [retrying, setRetrying] = useState(false);
  const retryable = task.status === 'failed' || task.status === 'timeout';
  async function retry() {
    setRetrying(true);
    try {
      await clientFor(apiKey).retry(task.id);
      setFailure(undefined);
    } catch (error) {
      setFailure(describeError(error));
    } finally {
      setRetrying(false);
    }
  }
  const took =
    task.startedAt !== null && task.completedAt !== null
      ? `${((Date.parse(task.completedAt) - Date.parse(task.startedAt)) / 1000).toFixed(1)} s`
      : '—';
  return (
    <Paper withBorder p="md" component="section" aria-label="Task detail">
      <Stack gap="xs">
        <Title order={2} size="h3">
          Task <code>{task.id}</code>
        </Title>
        <Group>
          <StatusBadge status={task.status} />
          <Text size="sm">
            {task.type} on {task.model ?? '—'}
          </Text>
        </Group>
        <dl>
          <dt>Attempts (this run)</dt>
          <dd data-testid="attempts">{task.attempts}</dd>
          <dt>Retries</dt>
          <dd data-testid="retry-count">{task.retryCount}</dd>
          <dt>Created, started, finished</dt>
          <dd>
            {time(task.createdAt)}, {time(task.startedAt)}, {time(task.completedAt)} ({took})
          </dd>
          <dt>Error</dt>
          <dd>{task.error === null ? 'none' : `${task.error.code}: ${task.error.message}`}</dd>
        </dl>
        {answerOf(task) === undefined ? null : (
          <Text style={{ whiteSpace: 'pre-wrap' }}>{answerOf(task)}</Text>
        )}
        {failure === undefined ? null : (
          <Alert color="red.9" role="alert">
            {failure}
          </Alert>
        )}
        {retryable ? (
          <Button onClick={() => void retry()} loading={retrying} w="fit-content">
            Retry
          </Button>
        ) : null}
      </Stack>
    </Paper>
  );
}

/** The signed-in user's tasks, polled, paged and filtered by status. */
export function TasksPage({ apiKey }: { apiKey: string }) {
  const [status, setStatus] = useState<string | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<TaskList | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [detail, setDetail] = useState<Task | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const cursor = cursors.at(-1);

  const load = useCallback(async () => {
    const client = clientFor(apiKey);
    try {
      const query: Record<string, string> = { limit: '20' };
      if (status !== null) query['status'] = status;
      if (cursor !== undefined) query['cursor'] = cursor;
      setPage(await client.listTasks(query));
      if (selected !== undefined) setDetail(await client.getTask(selected));
      setFailure(undefined);
    } catch (error) {
      setFailure(describeError(error));
    }
  }, [apiKey, status, cursor, selected]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  return (
    <Stack>
      <Title order={1}>My tasks</Title>
      <Group align="end">
        <Select
          label="Status"
          placeholder="Any"
          clearable
          data={STATUSES}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setCursors([]);
          }}
        />
      </Group>
      {failure === undefined ? null : (
        <Alert color="red.9" role="alert">
          {failure}
        </Alert>
      )}
      {page === undefined ? (
        <Loader aria-label="Loading tasks" />
      ) : page.tasks.length === 0 ? (
        <Text c="dimmed">No tasks{status === null ? '' : ` ${status}`} yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={500}>
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Task</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Model</Table.Th>
                <Table.Th scope="col">Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {page.tasks.map((task) => (
                <Table.Tr key={task.id} data-task={task.id}>
                  <Table.Td>
                    <Button
                      variant="subtle"
                      size="compact-sm"
                      aria-label={`Show task ${task.id}`}
                      onClick={() => {
                        setSelected(task.id);
                        setDetail(task);
                      }}
                    >
                      {task.id.slice(0, 8)}
                    </Button>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={task.status} />
                  </Table.Td>
                  <Table.Td>{task.model ?? '—'}</Table.Td>
                  <Table.Td>{time(task.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group>
        <Button
          variant="default"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </Button>
        <Button
          variant="default"
          disabled={page?.nextCursor === null || page === undefined}
          onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
        >
          Next page
        </Button>
      </Group>
      {detail === undefined ? null : <TaskDetail task={detail} apiKey={apiKey} />}
      <BackgroundTaskForm
        apiKey={apiKey}
        onSubmitted={(taskId) => {
          // The new task heads the first page of every status; its detail follows it.
          setStatus(null);
          setCursors([]);
          setSelected(taskId);
        }}
      />
    </Stack>
  );
}
