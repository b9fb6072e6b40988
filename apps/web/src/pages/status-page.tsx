import { Alert, Badge, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { callApi, describeError } from '../session.js';

interface PublicStatus {
  readonly status: 'operational' | 'degraded' | 'outage';
  readonly providers: Readonly<Record<string, 'operational' | 'degraded' | 'outage'>>;
  readonly notice: { readonly message: string; readonly updatedAt?: string } | null;
  readonly updatedAt: string;
}

const COLORS = { operational: '#1b5e20', degraded: 'yellow.4', outage: 'red.9' } as const;

/** The public status page: no key needed, refreshed every 10 s. */
export function StatusPage() {
  const [status, setStatus] = useState<PublicStatus | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  useEffect(() => {
    const load = () =>
      callApi<PublicStatus>(undefined, '/api/status')
        .then((answer) => {
          setStatus(answer);
          setFailure(undefined);
        })
        .catch((error: unknown) => setFailure(describeError(error)));
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <Stack>
      <Title order={1}>Status</Title>
      {failure === undefined ? null : (
        <Alert color="red.9" title="Status unavailable" role="alert">
          {failure}
        </Alert>
      )}
      {status === undefined ? (
        failure === undefined ? (
          <Loader aria-label="Loading status" />
        ) : null
      ) : (
        <>
          {status.notice === null ? null : (
            <Alert color="orange.9" title="Notice" data-testid="notice">
              {status.notice.message}
            </Alert>
          )}
          <Text>
            Overall:{' '}
            <Badge color={COLORS[status.status]} variant="filled">
              {status.status}
            </Badge>
          </Text>
          <Table striped>
            <Table.Caption>Updated {new Date(status.updatedAt).toLocaleString()}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Provider</Table.Th>
                <Table.Th scope="col">State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {Object.entries(status.providers).map(([name, state]) => (
                <Table.Tr key={name}>
                  <Table.Td>{name}</Table.Td>
                  <Table.Td>
                    <Badge color={COLORS[state]} variant="filled">
                      {state}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}
