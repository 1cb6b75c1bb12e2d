import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { PrismaService } from '../database/prisma.service';
import type { AuthenticatedRequest } from '../keys/api-key.guard';

/** Every successful write is audited: which key, what, on which target, when. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly prisma: PrismaService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.method === 'GET' || request.method === 'HEAD') return next.handle();
    return next.handle().pipe(
      tap((result) => {
        const created = result as { id?: string; sweep?: { id: string } } | undefined;
        const param = request.params?.id;
        const target = (typeof param === 'string' ? param : undefined) ?? created?.id ?? created?.sweep?.id;
        void this.prisma.client.auditLog
          .create({
            data: {
              apiKeyId: request.apiKey?.id ?? null,
              action: `${request.method} ${request.route?.path ?? request.path}`,
              target: target ?? null,
              detail: { path: request.originalUrl },
            },
          })
          .catch(() => undefined);
      }),
    );
  }
}
