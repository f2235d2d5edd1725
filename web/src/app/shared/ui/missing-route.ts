import type { ApiError } from '../../core/api-error';

/**
 * Whether a 404 means "this core has no such route" (an older core: hide the action) rather
 * than "no such object" (show the error). The core answers unknown routes with
 * `CORE_API_NOT_FOUND` and the method and path in the message (core/src/http/static.ts).
 * Features that offer actions a newer core added (Run now, enrolment, alert Test) ask it.
 */
export function isMissingRoute(err: ApiError): boolean {
  if (err.status !== 404) return false;
  return err.code !== 'CORE_API_NOT_FOUND' || /\b(GET|POST|PUT|PATCH|DELETE) \/api\//.test(err.message);
}
