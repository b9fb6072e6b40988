import '@mantine/core/styles.css';
import { createTheme, MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { signInFromUrlFragment } from './session.js';

// Darker shades and automatic text contrast: every label passes WCAG AA.
const theme = createTheme({ primaryShade: 8, autoContrast: true });
/** Dimmed text readable on white (WCAG AA, which the browser tests check with axe). */
const readableDimmed = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});

signInFromUrlFragment();
const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={readableDimmed}>
      <App />
    </MantineProvider>
  </StrictMode>,
);
