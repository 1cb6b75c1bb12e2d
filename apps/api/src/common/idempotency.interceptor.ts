import { canonicalJson } from '@fer/contracts';
import { Prisma } from '@fer/db';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { catchError, from, Observable, of, switchMap, throwError } from 'rxjs';
import { PrismaService } from '../database/prisma.service';
import type { AuthenticatedRequest } from '../keys/api-key.guard';
import { ApiError, ApiErrorCode } from './api-error';

/** Status stored while the first request with a key is still executing. */
const IN_PROGRESS = 0;

/**
 * `Idempotency-Key` on a write: the first request with a key (per API key and route) executes and its response is
 * stored; repeats with the same body get that response replayed (`Idempotent-Replay: true`). The key is bound to a
 * hash of the request: the same key with another body is refused with 422 and executes nothing. A repeat that
 * arrives while the first is still executing gets 409 (retry shortly) instead of executing twice: the first request
 * claims the key by inserting its row, and the primary key lets only one claim win. A request that fails releases
 * its key, so a retry can execute.
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
      throw ApiError.validation('Idempotency-Key must be 1-200 characters', [
        { field: 'Idempotency-Key', message: 'length 1-200' },
      ]);
    }
    const route = `${request.method} ${request.route?.path ?? request.path}`;
    const id = { key, apiKeyId: request.apiKey.id, route };
    const requestHash = createHash('sha256')
      .update(`${route}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const records = this.prisma.client.idempotencyRecord;
    return from(this.claim(id, requestHash)).pipe(
      switchMap((stored) => {
        if (stored) {
          if (stored.requestHash !== requestHash) {
            throw new ApiError(
              ApiErrorCode.IdempotencyKeyReused,
              `Idempotency-Key "${key}" was already used for a different request to ${route}; use a new key for a new request`,
              [{ field: 'Idempotency-Key', message: 'already used with another body' }],
            );
          }
          if (stored.status === IN_PROGRESS) {
            throw new ApiError(
              ApiErrorCode.Conflict,
              `a request with Idempotency-Key "${key}" is still executing; retry shortly to get its response`,
              undefined,
              1,
            );
          }
          response.status(stored.status).setHeader('Idempotent-Replay', 'true');
          return of(stored.response);
        }
        return next.handle().pipe(
          switchMap((body) =>
            from(
              records.update({
                where: { key_apiKeyId_route: id },
                data: { status: response.statusCode, response: (body ?? null) as Prisma.InputJsonValue },
              }),
            ).pipe(switchMap(() => of(body))),
          ),
          catchError((error) =>
            from(records.delete({ where: { key_apiKeyId_route: id } }).catch(() => undefined)).pipe(
              switchMap(() => throwError(() => error)),
            ),
          ),
        );
      }),
    );
  }

  /** Inserts this request's claim on the key; returns the existing record when another request holds it. */
  private async claim(id: { key: string; apiKeyId: string; route: string }, requestHash: string) {
    try {
      await this.prisma.client.idempotencyRecord.create({
        data: { ...id, requestHash, status: IN_PROGRESS, response: {} },
      });
      return null;
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') throw error;
      return this.prisma.client.idempotencyRecord.findUniqueOrThrow({ where: { key_apiKeyId_route: id } });
    }
  }
}
