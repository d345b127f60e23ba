import { Injectable } from '@nestjs/common';
import { argon2id, hash, verify } from 'argon2';

/** OWASP's minimum for argon2id (19 MiB, 2 passes): ~20 ms per hash on a server core. */
const HASH_OPTIONS = { type: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** The one place that knows how passwords are hashed; nothing else touches argon2. */
@Injectable()
export class PasswordHasher {
  /** Verified for unknown users, so a login takes as long whether or not the name exists. */
  private readonly decoy = hash('decoy password nobody has', HASH_OPTIONS);

  hash(password: string): Promise<string> {
    return hash(password, HASH_OPTIONS);
  }

  /** `encoded` undefined (no such user) still costs one verification. */
  async verify(encoded: string | undefined, password: string): Promise<boolean> {
    try {
      return await verify(encoded ?? (await this.decoy), password);
    } catch {
      return false;
    }
  }
}
