import { BadRequestException, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { describeZodIssues } from './describe-zod-issues.util';

export type RequestPart = 'query' | 'body' | 'path';

/** Validates one part of a request against a zod schema; a failure is a 400 naming each bad field. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly part: RequestPart,
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {});
    if (!result.success) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: `invalid ${this.part}`,
        errors: describeZodIssues(result.error, `(${this.part})`),
      });
    }
    return result.data;
  }
}
