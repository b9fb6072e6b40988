import { AppShell, Burger, Button, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { OperationsPage } from './pages/operations-page.js';
import { PlaygroundPage } from './pages/playground-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { StatusPage } from './pages/status-page.js';
import { TasksPage } from './pages/tasks-page.js';
import { forgetApiKey, storedApiKey } from './session.js';

const PAGES = [
  { path: '/', label: 'Playground' },
  { path: '/tasks', label: 'My tasks' },
  { path: '/status', label: 'Status' },
  { path: '/operations', label: 'Operations' },
] as const;

/** The path, kept in step with history (links push, Back pops). */
function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return [
    path,
    (next) => {
      history.pushState(null, '', next);
      setPath(next);
    },
  ];
}

export function App() {
  const [apiKey, setApiKey] = useState(storedApiKey);
  const [path, navigate] = usePath();
  const [opened, { toggle, close }] = useDisclosure();

  let page;
  if (path === '/status') page = <StatusPage />;
  else if (apiKey === undefined) page = <SignInPage onSignedIn={setApiKey} />;
  else if (path === '/tasks') page = <TasksPage apiKey={apiKey} />;
  else if (path === '/operations') page = <OperationsPage apiKey={apiKey} />;
  else page = <PlaygroundPage apiKey={apiKey} />;

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text fw={700} component="span">
              aiq
            </Text>
          </Group>
          {apiKey === undefined ? null : (
            <Button
              variant="subtle"
              size="compact-sm"
              onClick={() => {
                forgetApiKey();
                setApiKey(undefined);
              }}
            >
              Sign out
            </Button>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Pages">
        {PAGES.map((entry) => (
          <NavLink
            key={entry.path}
            href={entry.path}
            label={entry.label}
            active={path === entry.path}
            aria-current={path === entry.path ? 'page' : undefined}
            onClick={(event) => {
              event.preventDefault();
              navigate(entry.path);
              close();
            }}
          />
        ))}
        <NavLink href="/admin/queues" label="Bull Board" target="_blank" rel="noreferrer" />
        <NavLink href="/api/docs" label="API docs" target="_blank" rel="noreferrer" />
      </AppShell.Navbar>
      <AppShell.Main>{page}</AppShell.Main>
    </AppShell>
  );
}
