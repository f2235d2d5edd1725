import { ApiError } from '../../core/api-error';
import { isMissingRoute } from './missing-route';

describe('isMissingRoute', () => {
  it('takes a 404 that names the method and path for a route the core does not have', () => {
    expect(isMissingRoute(new ApiError(404, 'CORE_API_NOT_FOUND', 'Not found: POST /api/hosts/7/run'))).toBe(true);
    expect(isMissingRoute(new ApiError(404, 'CORE_API_NOT_FOUND', 'Not found: GET /api/alert-modules'))).toBe(true);
  });

  it('takes a 404 without the core API code (a proxy, a core without the error body) as a missing route', () => {
    expect(isMissingRoute(new ApiError(404, 'WEB_HTTP_404', 'Http failure response: 404 Not Found'))).toBe(true);
  });

  it('leaves a missing object and every other status to be shown as an error', () => {
    expect(isMissingRoute(new ApiError(404, 'CORE_API_NOT_FOUND', 'Not found: host 7'))).toBe(false);
    expect(isMissingRoute(new ApiError(403, 'CORE_API_FORBIDDEN', 'Not allowed: POST /api/hosts/7/run'))).toBe(false);
    expect(isMissingRoute(new ApiError(0, 'WEB_OFFLINE', 'The core cannot be reached'))).toBe(false);
  });
});
