import { CommanderError } from 'commander';
import { runMain } from '@aiq/lifecycle';
import { processOutput } from './output.js';
import { createProgram } from './program.js';

runMain(async () => {
  let code = 0;
  const program = createProgram(processOutput, (result) => (code = result));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
  process.exit(code);
});
