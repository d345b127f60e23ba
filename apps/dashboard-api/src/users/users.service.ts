import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { PasswordHasher } from './password-hasher';
import type { CreateUser, UpdateUser } from './dtos/user.dto';
import { UserExists } from './user-exists.error';
import { UserEntity } from './user.entity';

/** How long a user's role and token version are trusted before the database is asked again. */
const CURRENT_USER_CACHE_MS = 5000;
const UNIQUE_VIOLATION = '23505';

@Injectable()
export class UsersService {
  /** Every authenticated request checks its user; this keeps that off the database hot path. */
  private readonly cache = new Map<string, { user: UserEntity | null; until: number }>();

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
  ) {}

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username: username.toLowerCase() });
  }

  /** The user as currently stored (a few seconds stale at most), for checking a token. */
  async current(id: string): Promise<UserEntity | null> {
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.user;
    const user = await this.users.findOneBy({ id });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, { user, until: now + CURRENT_USER_CACHE_MS });
    return user;
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { username: 'ASC' } });
  }

  async create(input: CreateUser): Promise<UserEntity> {
    const user = this.users.create({
      username: input.username,
      role: input.role,
      passwordHash: await this.hasher.hash(input.password),
    });
    try {
      return await this.users.save(user);
    } catch (error) {
      if (error instanceof QueryFailedError && error.driverError?.code === UNIQUE_VIOLATION) {
        throw new UserExists(input.username);
      }
      throw error;
    }
  }

  async update(id: string, change: UpdateUser): Promise<UserEntity> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`no user ${id}`);
    if (change.password !== undefined) user.passwordHash = await this.hasher.hash(change.password);
    if (change.role !== undefined) user.role = change.role;
    if (change.disabled !== undefined) user.disabled = change.disabled;
    user.tokenVersion += 1;
    const saved = await this.users.save(user);
    this.cache.delete(id);
    return saved;
  }

  async recordLogin(user: UserEntity): Promise<void> {
    await this.users.update({ id: user.id }, { lastLoginAt: new Date() });
  }
}
