import { AuditLogEntry } from '../audit/audit-log-entry.entity';
import { CreateUsersAndAuditLog1761000000000 } from './migrations/1761000000000-create-users-and-audit-log.migration';
import { UserEntity } from '../users/user.entity';

/** The tables dashboard-api owns and migrates; the call records it only reads belong to call-logger. */
export const DASHBOARD_ENTITIES = [UserEntity, AuditLogEntry];
export const DASHBOARD_MIGRATIONS = [CreateUsersAndAuditLog1761000000000];
/** Separate from call-logger's, so neither service sees the other's migrations as unknown. */
export const DASHBOARD_MIGRATIONS_TABLE = 'dashboard_migrations';
