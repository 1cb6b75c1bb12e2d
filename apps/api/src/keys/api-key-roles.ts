import type { ApiKeyRole } from '@fer/contracts';
import { SetMetadata } from '@nestjs/common';

/** read < launch < admin: a role may do what the roles below it may. */
const RANK: Record<ApiKeyRole, number> = { read: 0, launch: 1, admin: 2 };

export function roleAllows(held: ApiKeyRole, required: ApiKeyRole): boolean {
  return RANK[held] >= RANK[required];
}

export const REQUIRED_ROLE = 'fer:required-role';
export const IS_PUBLIC = 'fer:public';

/** The least role an endpoint needs; endpoints without it need `read`. */
export const RequireRole = (role: ApiKeyRole) => SetMetadata(REQUIRED_ROLE, role);
export const Public = () => SetMetadata(IS_PUBLIC, true);

export interface AuthenticatedKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  /** Set when the caller authenticated with a web UI session of this key. */
  sessionId?: string;
}
