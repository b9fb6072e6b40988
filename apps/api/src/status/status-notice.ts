import { z } from '@hono/zod-openapi';
import type { Redis } from 'ioredis';

/** How bad what the notice announces is, for the status page's colour. */
export const NoticeSeverity = z.enum(['minor', 'major']);
export type NoticeSeverity = z.infer<typeof NoticeSeverity>;

/** The operators' notice to users (the runbook's "notify users" step), as stored and served. */
export const StatusNotice = z
  .object({
    message: z.string(),
    severity: NoticeSeverity,
    /** When it was set (ISO 8601). */
    since: z.string(),
  })
  .openapi('StatusNotice');
export type StatusNotice = z.infer<typeof StatusNotice>;

const noticeKey = (prefix: string) => `${prefix}:status:notice`;

/** The notice every API process serves, or null; a value that does not parse counts as none. */
export async function readNotice(redis: Redis, prefix: string): Promise<StatusNotice | null> {
  const raw = await redis.get(noticeKey(prefix));
  if (raw === null) return null;
  const parsed = StatusNotice.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

/** Replaces the notice, fleet-wide. */
export async function writeNotice(redis: Redis, prefix: string, notice: StatusNotice) {
  await redis.set(noticeKey(prefix), JSON.stringify(notice));
}

/** Removes the notice; true when there was one. */
export async function deleteNotice(redis: Redis, prefix: string): Promise<boolean> {
  return (await redis.del(noticeKey(prefix))) > 0;
}
