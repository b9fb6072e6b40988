import cliProgress from 'cli-progress';
import type { Output } from './output.js';

/** Progress of a long command: a bar on a terminal, nothing elsewhere. */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A progress bar on the output's terminal, started on the first update (when the total is
 * known). Off a TTY it draws nothing, so pipes and `--json` stay clean.
 */
export function createProgress(output: Output, label: string): Progress {
  const stream = output.progress;
  if (stream === undefined) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}`,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (started) {
        bar.update(done);
      } else {
        bar.start(total, done);
        started = true;
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
