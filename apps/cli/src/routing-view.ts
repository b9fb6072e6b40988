import type { RoutingRow } from '@aiq/operations';

/** `in 42s` (rounded up), `now` when a call may probe it, empty when closed. */
export function describeNextProbe(row: RoutingRow): string {
  if (row.next_probe_in_ms === null) return '';
  if (row.next_probe_in_ms === 0) return 'now';
  return `in ${Math.ceil(row.next_probe_in_ms / 1000)}s`;
}

/** `no`, or `yes: <reason> (by <who>, <when>)`. */
export function describeDisabled(row: RoutingRow): string {
  const { disabled } = row;
  return disabled === null ? 'no' : `yes: ${disabled.reason} (by ${disabled.by}, ${disabled.at})`;
}
