import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, Observable, of, switchMap, tap } from 'rxjs';
import { PrismaService } from '../database/prisma.service';
import type { AuthenticatedRequest } from '../keys/api-key.guard';
import { ApiError } from './api-error';

/**
 * `Idempotency-Key` on a write: the first response is stored and replayed for repeats of the same key by the same
 * API key on the same route, so a client retrying after a timeout never launches twice.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly prisma: PrismaService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !request.apiKey) return next.handle();
    if (key.length === 0 || key.length > 200) {
      throw ApiError.validation('Idempotency-Key must be 1-200 characters', [{ field: 'Idempotency-Key', message: 'length 1-200' }]);
    }
    const id = { key, apiKeyId: request.apiKey.id, route: `${request.method} ${request.route?.path ?? request.path}` };
    return from(this.prisma.client.idempotencyRecord.findUnique({ where: { key_apiKeyId_route: id } })).pipe(
      switchMap((stored) => {
        if (stored) {
          response.status(stored.status).setHeader('Idempotent-Replay', 'true');
          return of(stored.response);
        }
        return next.handle().pipe(
          tap((body) =>
            this.prisma.client.idempotencyRecord
              .create({ data: { ...id, status: response.statusCode, response: body as object } })
              .catch(() => undefined),
          ),
        );
      }),
    );
  }
}
