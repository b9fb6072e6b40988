import type { Config } from '@aiq/config';
import { callAdminApi } from '../admin-api.js';
import type { Output } from '../output.js';

export type NoticeSeverity = 'minor' | 'major';

/** `aiq notice set "…" [--severity minor|major] [--json]`: through `PUT /api/admin/notice`. */
export async function noticeSetCommand(
  config: Config,
  output: Output,
  message: string,
  { severity = 'minor', json = false }: { severity?: NoticeSeverity; json?: boolean },
): Promise<number> {
  const notice = await callAdminApi<{ message: string; severity: string; since: string }>(
    config,
    output,
    { method: 'PUT', path: 'api/admin/notice', body: { message, severity }, json },
  );
  if (notice === undefined) return 1;
  output.write(
    json
      ? JSON.stringify(notice)
      : `Notice set (${notice.severity}) at ${notice.since}: users see it at GET /api/status`,
  );
  return 0;
}

/** `aiq notice clear [--json]`: through `DELETE /api/admin/notice`. */
export async function noticeClearCommand(
  config: Config,
  output: Output,
  { json = false }: { json?: boolean },
): Promise<number> {
  const done = await callAdminApi<{ cleared: boolean }>(config, output, {
    method: 'DELETE',
    path: 'api/admin/notice',
    json,
  });
  if (done === undefined) return 1;
  output.write(
    json ? JSON.stringify(done) : done.cleared ? 'Notice cleared' : 'There was no notice',
  );
  return 0;
}
