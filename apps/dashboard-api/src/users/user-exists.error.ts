import { ConflictException } from '@nestjs/common';

export class UserExists extends ConflictException {
  constructor(username: string) {
    super(`a user named ${JSON.stringify(username)} already exists`);
  }
}
