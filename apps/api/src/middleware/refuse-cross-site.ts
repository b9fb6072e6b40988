import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a browser says the request came from another site, by Fetch Metadata or by Origin. */
function isCrossSite(secFetchSite: string | undefined, origin: string | undefined, host: string) {
  // Every current browser sends Sec-Fetch-Site; `none` is a typed URL or a bookmark.
  if (secFetchSite !== undefined) return secFetchSite !== 'same-origin' && secFetchSite !== 'none';
  // Older browsers: compare Origin with the Host asked for. No Origin: curl, scripts, or a
  // same-origin request from a browser that sends none; neither can be a forged cross-site one.
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true; // `Origin: null` (sandboxed frames, data: URLs) and anything unparsable
  }
}

/**
 * Refuses state-changing requests that a browser sent from another site (403
 * `cross_site_request`). Pages authenticated by cookies or by cached Basic credentials, such as
 * Bull Board, need it: a hostile page can make the operator's browser post a `text/plain` form
 * there, credentials included. Go's `http.CrossOriginProtection` does the same checks.
 */
export function refuseCrossSite(): MiddlewareHandler<AppEnv> {
  return async function refuseCrossSiteRequest(c, next) {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (
      !SAFE_METHODS.has(c.req.method) &&
      isCrossSite(c.req.header('sec-fetch-site'), c.req.header('origin'), host)
    ) {
      throw new ApiError(
        403,
        'cross_site_request',
        'Cross-site requests may not change anything here; use the page on its own origin',
      );
    }
    await next();
  };
}
