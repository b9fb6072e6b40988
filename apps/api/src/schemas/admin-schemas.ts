import { z } from '@hono/zod-openapi';

/** `:name` of the provider routes: a provider (`openai`) or a model id or alias. */
export const ProviderNameParams = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'name', in: 'path' }, example: 'openai' }),
});

/** `POST /api/admin/providers/:name/disable`. */
export const DisableRequest = z
  .object({
    /** Why, for the audit trail and everyone reading `GET /api/admin/providers`. */
    reason: z.string().trim().min(1, 'must not be empty').max(500),
  })
  .openapi('DisableProviderRequest');

/** `POST /api/admin/providers/:name/enable`: a reason is optional. */
export const EnableRequest = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .openapi('EnableProviderRequest');

const DisabledFlag = z
  .object({ reason: z.string(), actor: z.string(), at: z.number() })
  .openapi('DisabledFlag');

const CircuitView = z
  .object({
    state: z.enum(['closed', 'open', 'half_open']),
    failures: z.number(),
    reason: z.string().nullable(),
    openedAt: z.number().nullable(),
    retryInMs: z.number().nullable(),
  })
  .openapi('Circuit');

const TargetState = z.object({ circuit: CircuitView, disabled: DisabledFlag.nullable() });

/** `GET /api/admin/providers`. */
export const RoutingStateResponse = z
  .object({
    providers: z.record(z.string(), TargetState),
    models: z.record(z.string(), TargetState.extend({ provider: z.string() })),
  })
  .openapi('RoutingState');

/** What a disable or enable did. */
export const SwitchOverResponse = z
  .object({
    target: z.string(),
    kind: z.enum(['provider', 'model']),
    action: z.enum(['disable', 'enable']),
    at: z.number(),
  })
  .openapi('SwitchOver');
