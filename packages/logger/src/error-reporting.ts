import * as Sentry from '@sentry/node';
import { redactValue, type Config } from '@aiq/config';

/** Options for {@link initErrorReporting}. */
export interface ErrorReportingOptions {
  /** Process role, sent as the `role` tag (`api`, `worker`). */
  name: string;
  /** Secret values redacted wherever they appear, beside the key shapes `redactText` knows. */
  secrets?: readonly string[];
  /** Tests replace the HTTP transport; production uses Sentry's. */
  transport?: Sentry.NodeOptions['transport'];
}

/** Every secret value in the configuration: provider keys, the CLI's API key, connection URLs. */
function configSecrets(config: Config): string[] {
  const values = [
    ...Object.values(config.providers).map((provider) => provider?.apiKey),
    config.cli.apiKey,
    config.redis.url,
    config.database.kind === 'postgres' ? config.database.url : undefined,
  ];
  return values.filter((value): value is string => typeof value === 'string');
}

/**
 * Starts Sentry through its official SDK when `SENTRY_DSN` is set, and does nothing otherwise:
 * without a DSN the SDK is never initialised and {@link reportError} sends nothing. Every event
 * and breadcrumb goes through the same redaction as the logs before it leaves the process.
 * Only errors are reported: no tracing, no performance instrumentation, no data collection beyond the error.
 */
export function initErrorReporting(config: Config, options: ErrorReportingOptions): boolean {
  if (config.sentryDsn === undefined) return false;
  const secrets = [...configSecrets(config), ...(options.secrets ?? [])];
  Sentry.init({
    dsn: config.sentryDsn,
    environment: config.env,
    defaultIntegrations: false,
    integrations: [
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      // 'strict' keeps Node's own behaviour: report, then exit non-zero.
      Sentry.onUnhandledRejectionIntegration({ mode: 'strict' }),
    ],
    initialScope: { tags: { role: options.name } },
    beforeSend: (event) => redactValue(event, secrets),
    beforeBreadcrumb: (breadcrumb) => redactValue(breadcrumb, secrets),
    ...(options.transport === undefined ? {} : { transport: options.transport }),
  });
  return true;
}

/**
 * Reports an unexpected error with some context (task id, route); a no-op unless
 * {@link initErrorReporting} started Sentry. `beforeSend` redacts the whole event.
 */
export function reportError(error: unknown, context: Record<string, unknown> = {}): void {
  if (Sentry.getClient() === undefined) return;
  Sentry.captureException(error, { extra: context });
}

/** Sends what is queued, for a clean shutdown; resolves at once when Sentry is off. */
export async function flushErrorReports(timeoutMs = 2_000): Promise<void> {
  if (Sentry.getClient() === undefined) return;
  await Sentry.close(timeoutMs);
}
