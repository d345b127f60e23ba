import { ServiceUnavailableException } from '@nestjs/common';

/** An audited action is refused when its audit entry cannot be written: no trace, no access. */
export class AuditUnavailable extends ServiceUnavailableException {
  constructor(cause: unknown) {
    super(
      `the audit log cannot be written, so the action was refused: ${(cause as Error).message}`,
    );
  }
}
