import type { UserRole } from '@asb/contracts';

/** Who made a request, as the access guard established it (role read fresh, not from the token). */
export interface AuthUser {
  id: string;
  username: string;
  role: UserRole;
}
