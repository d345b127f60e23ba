import { ServiceUnavailableException } from '@nestjs/common';

/** The call records cannot be read: the database is down, or call-logger never created them. */
export class CallRecordsUnavailable extends ServiceUnavailableException {
  constructor(reason: string) {
    super(`call records are unavailable: ${reason}`);
  }
}
