import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { Authenticated } from '../auth/access.decorator';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodQuery, ZodResponse } from '../http/zod-openapi';
import { AuditService } from './audit.service';
import { AuditPage, auditPageSchema } from '@asb/contracts';
import { auditQuerySchema, toAuditPage } from './dtos/audit.dto';

@ApiTags('audit')
@Controller(`${API_PREFIX}/audit`)
@Authenticated('admin')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit log, newest first (live listens, recording downloads, logins)' })
  @ZodResponse(200, auditPageSchema, 'one page of entries')
  async find(
    @ZodQuery(auditQuerySchema) query: z.output<typeof auditQuerySchema>,
  ): Promise<AuditPage> {
    return toAuditPage(await this.audit.find(query), query.limit);
  }
}
