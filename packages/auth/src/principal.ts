import type { ApiKeyRole } from '@aiq/db';

/** Who a request is, once its key checks out. */
export interface Principal {
  readonly userId: string;
  readonly role: ApiKeyRole;
  readonly keyId: string;
}
