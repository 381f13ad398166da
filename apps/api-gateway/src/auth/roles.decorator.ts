import { SetMetadata } from '@nestjs/common';
import type { ApiRole } from '@somnus/contracts';

export const PUBLIC_ROUTE = 'somnus:public';
export const REQUIRED_ROLE = 'somnus:required-role';

/** No token needed: health, readiness, metrics, the API document and the dashboard's static page. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The least role a route needs. Without it: `read` for GET and HEAD, `operate` for everything that
 * changes something.
 */
export const RequireRole = (role: ApiRole) => SetMetadata(REQUIRED_ROLE, role);
