import { Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { callApi, describeError, storeApiKey } from '../session.js';

/** Signs in with an API key: checked against the API, then kept in this browser. */
export function SignInPage({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [failure, setFailure] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);

  async function signIn(event: React.FormEvent) {
    event.preventDefault();
    setChecking(true);
    try {
      await callApi(key.trim(), '/v1/models');
      storeApiKey(key.trim());
      onSignedIn(key.trim());
    } catch (error) {
      setFailure(describeError(error));
    } finally {
      setChecking(false);
    }
  }

  return (
    <Paper withBorder p="lg" maw={480} mx="auto">
      <form onSubmit={(event) => void signIn(event)}>
        <Stack>
          <Title order={1}>Sign in</Title>
          <Text size="sm">
            Use an aiq API key: the development key that <code>pnpm start</code> prints, or one from{' '}
            <code>pnpm aiq keys create --user &lt;id&gt;</code>. It stays in this browser and is
            sent as a bearer token.
          </Text>
          <PasswordInput
            label="API key"
            required
            autoComplete="current-password"
            value={key}
            onChange={(event) => setKey(event.currentTarget.value)}
            error={failure}
          />
          <Button type="submit" loading={checking}>
            Sign in
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
