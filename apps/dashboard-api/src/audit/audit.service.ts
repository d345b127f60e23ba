import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, LessThan, Repository } from 'typeorm';
import type { AuditAction } from '@asb/contracts';
import { AuditLogEntry } from './audit-log-entry.entity';
import { AuditUnavailable } from './audit-unavailable.error';

export interface AuditRecord {
  action: AuditAction;
  user: { id: string | null; username: string };
  callId?: string;
  clientAddress?: string;
  detail?: Record<string, unknown>;
}

export interface AuditQuery {
  action?: AuditAction;
  callId?: string;
  username?: string;
  /** Entries with a smaller id than this (the previous page's last one). */
  before?: string;
  limit: number;
}

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditLogEntry) private readonly log: Repository<AuditLogEntry>) {}

  /** Writes the entry before the audited action proceeds; throws AuditUnavailable if it cannot. */
  async record(entry: AuditRecord): Promise<void> {
    try {
      await this.log.save(
        this.log.create({
          action: entry.action,
          userId: entry.user.id,
          username: entry.user.username,
          callId: entry.callId ?? null,
          clientAddress: entry.clientAddress ?? null,
          detail: entry.detail ?? {},
        }),
      );
    } catch (error) {
      throw new AuditUnavailable(error);
    }
  }

  find(query: AuditQuery): Promise<AuditLogEntry[]> {
    const where: FindOptionsWhere<AuditLogEntry> = {};
    if (query.action) where.action = query.action;
    if (query.callId) where.callId = query.callId;
    if (query.username) where.username = query.username;
    if (query.before) where.id = LessThan(query.before);
    return this.log.find({ where, order: { id: 'DESC' }, take: query.limit });
  }
}
