import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, tap } from 'rxjs';
import { PrismaService } from '../database/prisma.service';
import { DroppedWrites } from '../health/dropped-writes';
import type { AuthenticatedRequest } from '../keys/api-key.guard';

const WRITES_NOTHING = 'fer:writes-nothing';
/** A POST that stores nothing (a dry run): not a write, so not audited. */
export const WritesNothing = () => SetMetadata(WRITES_NOTHING, true);

/**
 * Every successful write is audited: which key, what, on which target, when. An audit row PostgreSQL refuses does not
 * fail the write it describes; it is logged and counted (GET /health, `dropped.auditRows`).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly dropped: DroppedWrites,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.method === 'GET' || request.method === 'HEAD') return next.handle();
    if (this.reflector.get<boolean>(WRITES_NOTHING, context.getHandler())) return next.handle();
    return next.handle().pipe(
      tap((result) => {
        const created = result as { id?: string; sweep?: { id: string } } | undefined;
        const param = request.params?.id;
        const target = (typeof param === 'string' ? param : undefined) ?? created?.id ?? created?.sweep?.id;
        // A prepared statement on the pool, not a Prisma create: every write pays for it.
        void this.prisma
          .rows('audit-insert', 'INSERT INTO "AuditLog" ("apiKeyId", action, target, detail) VALUES ($1, $2, $3, $4)', [
            request.apiKey?.id ?? null,
            `${request.method} ${request.route?.path ?? request.path}`,
            target ?? null,
            { path: request.originalUrl },
          ])
          .catch((error: Error) => {
            this.dropped.auditRows++;
            this.logger.warn(`audit row dropped for ${request.method} ${request.path}: ${error.message}`);
          });
      }),
    );
  }
}
