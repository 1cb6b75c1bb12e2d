import { PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';

/** Parses a body or query with a zod schema; a ZodError becomes a 400 naming each field (ApiExceptionFilter). */
export class ZodPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T>) {}

  transform(value: unknown): T {
    return this.schema.parse(value);
  }
}
