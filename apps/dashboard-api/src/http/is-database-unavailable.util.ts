import { CannotExecuteNotConnectedError, QueryFailedError } from 'typeorm';

/**
 * SQLSTATE classes that mean "the database cannot serve this now" rather than "this request is
 * wrong": connection exceptions (08), operator intervention (57), insufficient resources (53),
 * and an undefined table (42P01), which is how a query looks before the migrations have run.
 */
const UNAVAILABLE = /^(08|57|53)|^42P01$/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof CannotExecuteNotConnectedError) return true;
  if (error instanceof QueryFailedError) {
    return UNAVAILABLE.test((error.driverError as { code?: string } | undefined)?.code ?? '');
  }
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT';
}
