import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import type { Queues } from '@aiq/queue';

/** Where operators inspect and retry jobs. */
export const BULL_BOARD_PATH = '/admin/queues';

/** Bull Board over every aiq queue. */
export function bullBoardRoutes(queues: Queues): Hono {
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: Object.values(queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'aiq queues' } },
  });
  return serverAdapter.registerPlugin();
}
