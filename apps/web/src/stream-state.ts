import type { TaskEvent } from '@aiq/client';

type ChipKind = 'queued' | 'started' | 'retrying' | 'fallback' | 'done' | 'error' | 'cancelled';

/** A cost in USD as the chips show it: `$0.0012` (six decimals for amounts under a cent's 1/100). */
function formatUsd(usd: number): string {
  return `$${usd.toFixed(usd === 0 || usd >= 0.0001 ? 4 : 6)}`;
}

/** One status chip of the playground: what happened, in the order it happened. */
export interface StatusChip {
  readonly kind: ChipKind;
  readonly label: string;
  /** For `retrying`: when the next attempt starts (ms since epoch). */
  readonly until?: number;
}

export interface StreamState {
  /** The answer so far (a single model), or each candidate's (an ensemble). */
  readonly text: string;
  readonly candidates: Readonly<Record<string, string>>;
  readonly chips: readonly StatusChip[];
  readonly ended: boolean;
  readonly startedAt: number | undefined;
}

export const EMPTY_STREAM: StreamState = {
  text: '',
  candidates: {},
  chips: [],
  ended: false,
  startedAt: undefined,
};

function withChip(state: StreamState, chip: StatusChip): StreamState {
  return { ...state, chips: [...state.chips, chip] };
}

/** Folds one task event into what the playground shows. */
export function applyTaskEvent(state: StreamState, event: TaskEvent): StreamState {
  switch (event.type) {
    case 'queued':
      return withChip(state, { kind: 'queued', label: 'Queued' });
    case 'started':
      return withChip(
        { ...state, startedAt: state.startedAt ?? event.at },
        { kind: 'started', label: `Started on ${event.model} (attempt ${event.attempt})` },
      );
    case 'token':
      if (event.model !== undefined) {
        const previous = state.candidates[event.model] ?? '';
        return {
          ...state,
          candidates: { ...state.candidates, [event.model]: previous + event.text },
        };
      }
      return { ...state, text: state.text + event.text };
    case 'reset':
      if (event.model !== undefined)
        return { ...state, candidates: { ...state.candidates, [event.model]: '' } };
      return { ...state, text: '' };
    case 'retrying':
      return withChip(state, {
        kind: 'retrying',
        label: `Retrying${event.model === undefined ? '' : ` ${event.model}`} after ${event.code}`,
        until: event.at + event.delayMs,
      });
    case 'fallback':
      return withChip(state, {
        kind: 'fallback',
        label: `Fallback ${event.fromModel} → ${event.toModel} (${event.code})`,
      });
    case 'done': {
      const tokens =
        event.usage === null
          ? 'tokens unknown'
          : `${event.usage.inputTokens} in / ${event.usage.outputTokens} out tokens`;
      const cost = event.costUsd === undefined ? '' : `, ${formatUsd(event.costUsd)}`;
      const latency =
        state.startedAt === undefined
          ? ''
          : `, ${((event.at - state.startedAt) / 1000).toFixed(1)} s`;
      return withChip(
        { ...state, ended: true },
        {
          kind: 'done',
          label: `Done on ${event.model}: ${tokens}${cost}${latency}${event.cached === true ? ', cached' : ''}`,
        },
      );
    }
    case 'error':
      return withChip(
        { ...state, ended: true },
        { kind: 'error', label: `Error ${event.code}: ${event.message}` },
      );
    case 'cancelled':
      return withChip(
        { ...state, ended: true },
        { kind: 'cancelled', label: `Cancelled (${event.reason})` },
      );
    case 'retried':
      return withChip(
        { ...state, ended: false, text: '', candidates: {} },
        { kind: 'queued', label: `Retried by ${event.by}` },
      );
    case 'progress':
      return state;
  }
}
