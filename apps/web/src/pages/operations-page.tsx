import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { callApi, describeError } from '../session.js';

interface RoutingRow {
  readonly target: string;
  readonly kind: 'provider' | 'model';
  readonly circuit: string;
  readonly failures: number;
  readonly disabled: { readonly reason: string; readonly by: string } | null;
}

interface Operations {
  readonly status: {
    readonly severity: {
      readonly severity: string;
      readonly reason: string;
      readonly errorsPerMinute: number;
    };
    readonly impact: { readonly totalRequests: number; readonly successRate: number | null };
    readonly errors: readonly {
      provider: string;
      error_code: string | null;
      status: string;
      count: number;
    }[];
    readonly hourly: readonly {
      hour: string;
      success_rate: number;
      p95_duration_ms: number | null;
    }[];
    readonly routing: readonly RoutingRow[];
    readonly queues: readonly {
      queue: string;
      waiting: number;
      active: number;
      delayed: number;
      failed: number;
    }[];
    readonly deadLetter: number;
  };
  readonly dailyUsage: readonly { day: string; tokens: number; costUsd: number }[];
}

interface BulkRetrySummary {
  readonly matched: number;
  readonly retried: number;
  /** What was (or, in a dry run, would be) retried. */
  readonly taskIds: readonly string[];
  readonly dryRun: boolean;
}

const SEVERITY_COLORS: Record<string, string> = {
  P0: 'red.9',
  P1: 'red.9',
  P2: 'orange.4',
  P3: 'yellow.4',
  ok: '#1b5e20',
};
const REFRESH_MS = 10_000;

function Chart({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="figure" m={0} aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      <div style={{ width: '100%', height: 220 }}>{children}</div>
    </Paper>
  );
}

/** A provider's switch: disable with a reason, or enable. */
function ProviderSwitch({
  row,
  apiKey,
  onChanged,
}: {
  row: RoutingRow;
  apiKey: string;
  onChanged: (message: string) => void;
}) {
  const [reason, setReason] = useState('');
  const action = row.disabled === null ? 'disable' : 'enable';
  async function flip() {
    try {
      await callApi(apiKey, `/api/admin/providers/${row.target}/${action}`, {
        method: 'POST',
        body: reason.trim() === '' ? {} : { reason: reason.trim() },
      });
      setReason('');
      onChanged(`${row.target} ${action}d`);
    } catch (error) {
      onChanged(describeError(error));
    }
  }
  return (
    <Group gap="xs" wrap="nowrap">
      <TextInput
        size="xs"
        aria-label={`Reason to ${action} ${row.target}`}
        placeholder="Reason"
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value)}
      />
      <Button
        size="xs"
        color={action === 'disable' ? 'red.9' : 'blue.9'}
        disabled={action === 'disable' && reason.trim() === ''}
        onClick={() => void flip()}
      >
        {action === 'disable' ? 'Disable' : 'Enable'} {row.target}
      </Button>
    </Group>
  );
}

/** The operator's dashboard: `aiq status` as charts, and the switches of the runbook. */
export function OperationsPage({ apiKey }: { apiKey: string }) {
  const [data, setData] = useState<Operations | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [notice, setNotice] = useState('');
  const [errorCode, setErrorCode] = useState('');
  const [dryRun, setDryRun] = useState<BulkRetrySummary | undefined>();

  const load = useCallback(async () => {
    try {
      setData(await callApi<Operations>(apiKey, '/api/admin/operations?hours=24'));
      setFailure(undefined);
    } catch (error) {
      setFailure(describeError(error));
    }
  }, [apiKey]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const done = (text: string) => {
    setMessage(text);
    void load();
  };
  const retryFilters = () => ({
    sinceHours: 24,
    ...(errorCode.trim() === '' ? {} : { errorCode: errorCode.trim() }),
  });
  async function bulkRetry(confirm: boolean) {
    try {
      const summary = await callApi<BulkRetrySummary>(apiKey, '/api/admin/tasks/bulk-retry', {
        method: 'POST',
        body: { ...retryFilters(), dryRun: !confirm },
      });
      if (confirm) {
        setDryRun(undefined);
        done(`Retried ${summary.retried} of ${summary.matched} tasks`);
      } else setDryRun(summary);
    } catch (error) {
      setMessage(describeError(error));
    }
  }
  async function changeNotice(set: boolean) {
    try {
      await callApi(apiKey, '/api/admin/notice', {
        method: set ? 'PUT' : 'DELETE',
        ...(set ? { body: { message: notice.trim() } } : {}),
      });
      done(set ? 'Notice set' : 'Notice cleared');
    } catch (error) {
      setMessage(describeError(error));
    }
  }

  if (failure !== undefined && data === undefined) {
    return (
      <Stack>
        <Title order={1}>Operations</Title>
        <Alert color="red.9" role="alert" title="Not available">
          {failure}
        </Alert>
      </Stack>
    );
  }
  if (data === undefined) return <Loader aria-label="Loading operations" />;
  const { status, dailyUsage } = data;
  const hourly = [...status.hourly].reverse().map((row) => ({
    hour: new Date(row.hour).toISOString().slice(11, 16),
    success: row.success_rate,
    p95: row.p95_duration_ms === null ? null : Math.round(row.p95_duration_ms),
  }));
  const errors = status.errors.map((row) => ({
    name: `${row.provider} ${row.error_code ?? row.status}`,
    count: row.count,
  }));
  const providers = status.routing.filter((row) => row.kind === 'provider');
  return (
    <Stack>
      <Title order={1}>Operations</Title>
      <Alert
        color={SEVERITY_COLORS[status.severity.severity] ?? 'gray.7'}
        variant="filled"
        title={`Severity ${status.severity.severity}`}
        data-testid="severity"
      >
        {status.severity.reason} ({status.severity.errorsPerMinute} errors/min;{' '}
        {status.impact.totalRequests} requests in 24 h, success{' '}
        {status.impact.successRate === null ? 'n/a' : `${status.impact.successRate}%`})
      </Alert>
      {message === undefined ? null : (
        <Alert role="status" color="blue.9" withCloseButton onClose={() => setMessage(undefined)}>
          {message}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Chart title="Success rate and p95 latency per hour">
          <ResponsiveContainer>
            <LineChart data={hourly}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="hour" />
              <YAxis yAxisId="rate" domain={[0, 100]} unit="%" />
              <YAxis yAxisId="ms" orientation="right" unit=" ms" />
              <Tooltip />
              <Legend />
              <Line yAxisId="rate" dataKey="success" name="Success %" stroke="#1b5e20" />
              <Line yAxisId="ms" dataKey="p95" name="p95 ms" stroke="#1864ab" />
            </LineChart>
          </ResponsiveContainer>
        </Chart>
        <Chart title="Errors by provider and code">
          {errors.length === 0 ? (
            <Text>No errors in 24 h.</Text>
          ) : (
            <ResponsiveContainer>
              <BarChart data={errors}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="name" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="count" name="Errors" fill="#c92a2a" />
              </BarChart>
            </ResponsiveContainer>
          )}
        </Chart>
        <Chart title={`Queue depths (dead letters: ${status.deadLetter})`}>
          <ResponsiveContainer>
            <BarChart data={status.queues}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="queue" />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend />
              <Bar dataKey="waiting" stackId="q" fill="#1864ab" name="Waiting" />
              <Bar dataKey="active" stackId="q" fill="#1b5e20" name="Active" />
              <Bar dataKey="delayed" stackId="q" fill="#e67700" name="Delayed" />
              <Bar dataKey="failed" stackId="q" fill="#c92a2a" name="Failed" />
            </BarChart>
          </ResponsiveContainer>
        </Chart>
        <Chart title="Tokens and cost per day">
          <ResponsiveContainer>
            <BarChart data={[...dailyUsage]}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" />
              <YAxis yAxisId="tokens" allowDecimals={false} />
              <YAxis yAxisId="cost" orientation="right" unit=" $" />
              <Tooltip />
              <Legend />
              <Bar yAxisId="tokens" dataKey="tokens" name="Tokens" fill="#1864ab" />
              <Bar yAxisId="cost" dataKey="costUsd" name="Cost (USD)" fill="#862e9c" />
            </BarChart>
          </ResponsiveContainer>
        </Chart>
      </SimpleGrid>
      <Paper withBorder p="md" component="section" aria-label="Circuits and switches">
        <Title order={2} size="h4" mb="sm">
          Providers: circuits and switches
        </Title>
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Provider</Table.Th>
                <Table.Th scope="col">Circuit</Table.Th>
                <Table.Th scope="col">Disabled</Table.Th>
                <Table.Th scope="col">Switch</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {providers.map((row) => (
                <Table.Tr key={row.target}>
                  <Table.Td>{row.target}</Table.Td>
                  <Table.Td>
                    <Badge
                      variant="filled"
                      color={row.circuit === 'closed' ? '#1b5e20' : 'red.9'}
                      data-circuit={row.target}
                    >
                      {row.circuit}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {row.disabled === null ? 'no' : `${row.disabled.reason} (${row.disabled.by})`}
                  </Table.Td>
                  <Table.Td>
                    <ProviderSwitch row={row} apiKey={apiKey} onChanged={done} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md" component="section" aria-label="Bulk retry">
          <Stack gap="xs">
            <Title order={2} size="h4">
              Bulk retry (failed, last 24 h)
            </Title>
            <TextInput
              label="Error code (optional)"
              value={errorCode}
              onChange={(event) => {
                setErrorCode(event.currentTarget.value);
                setDryRun(undefined);
              }}
            />
            {dryRun === undefined ? (
              <Button w="fit-content" onClick={() => void bulkRetry(false)}>
                Count matching tasks
              </Button>
            ) : (
              <Group>
                <Text data-testid="dry-run">
                  {dryRun.matched} match, {dryRun.taskIds.length} would be retried.
                </Text>
                <Button
                  color="red.9"
                  disabled={dryRun.taskIds.length === 0}
                  onClick={() => void bulkRetry(true)}
                >
                  Retry {dryRun.taskIds.length} {dryRun.taskIds.length === 1 ? 'task' : 'tasks'}
                </Button>
              </Group>
            )}
          </Stack>
        </Paper>
        <Paper withBorder p="md" component="section" aria-label="Status notice">
          <Stack gap="xs">
            <Title order={2} size="h4">
              Status page notice
            </Title>
            <TextInput
              label="Notice"
              value={notice}
              onChange={(event) => setNotice(event.currentTarget.value)}
            />
            <Group>
              <Button disabled={notice.trim() === ''} onClick={() => void changeNotice(true)}>
                Set notice
              </Button>
              <Button variant="outline" onClick={() => void changeNotice(false)}>
                Clear notice
              </Button>
            </Group>
          </Stack>
        </Paper>
      </SimpleGrid>
      <Text>
        Jobs and dead letters in detail:{' '}
        <Anchor href="/admin/queues" target="_blank" rel="noreferrer">
          Bull Board
        </Anchor>{' '}
        (it asks for your key as the password).
      </Text>
    </Stack>
  );
}
