import { ApiErrorBody, fieldProblems } from '@fer/contracts';
import { Prisma } from '@fer/db';
import { ExperimentError, ExperimentErrorCode } from '@fer/experiments';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import { ApiError, ApiErrorCode, API_ERROR_STATUS } from './api-error';
import { RouteMethods } from './route-methods';

/** The one place where errors become HTTP: a single envelope, statuses from ApiErrorCode. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const error = this.toApiError(exception, request);
    if (error.code === ApiErrorCode.Internal) this.logger.error(exception);
    if (response.headersSent) return;
    const body: ApiErrorBody = {
      error: { status: error.status, code: error.code, message: error.message, problems: error.problems },
    };
    const retryAfter = error.retryAfterSeconds ?? (error.code === ApiErrorCode.DependencyUnavailable ? 5 : undefined);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    if (error.allow) response.setHeader('Allow', error.allow.join(', '));
    response.status(error.status).json(body);
  }

  private toApiError(exception: unknown, request: Request): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof ExperimentError) return experimentError(exception);
    if (exception instanceof ZodError) {
      const problems = fieldProblems(exception);
      const first = problems[0];
      return ApiError.validation(
        first ? `invalid field "${first.field || '(body)'}": ${first.message}` : 'invalid request',
        problems,
      );
    }
    if (exception instanceof Prisma.PrismaClientKnownRequestError) {
      if (exception.code === 'P2002') return new ApiError(ApiErrorCode.Conflict, 'that record already exists');
      if (exception.code === 'P2025') return new ApiError(ApiErrorCode.NotFound, 'record not found');
      if (['P1001', 'P1002', 'P1017', 'P2024'].includes(exception.code)) return this.unavailable('PostgreSQL');
    }
    if (exception instanceof Prisma.PrismaClientInitializationError) return this.unavailable('PostgreSQL');
    if (isConnectionError(exception)) return this.unavailable(describeDependency(exception));
    // body-parser rejects before Nest sees the request, with http-errors objects (status + type).
    const raw = exception as { status?: number; type?: string; message?: string };
    if (raw?.type === 'entity.too.large') return new ApiError(ApiErrorCode.PayloadTooLarge, 'request body too large (limit 1 MB)');
    if (raw?.type === 'entity.parse.failed') return new ApiError(ApiErrorCode.MalformedJson, `malformed JSON body: ${raw.message}`);
    if (exception instanceof NotFoundException && /^Cannot [A-Z]+ /.test(exception.message)) {
      const allow = RouteMethods.allowed(request.path);
      if (allow.length > 0) {
        return new ApiError(ApiErrorCode.MethodNotAllowed, `${request.method} is not allowed on ${request.path}; use ${allow.join(', ')}`, undefined, undefined, allow);
      }
      return new ApiError(ApiErrorCode.NotFound, `no endpoint ${request.method} ${request.path} (the API lives under /api/v1; OpenAPI at /api/docs)`);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const type = (exception.getResponse() as { type?: string })?.type;
      if (status === 400 && (exception.cause instanceof SyntaxError || /JSON/i.test(exception.message)))
        return new ApiError(ApiErrorCode.MalformedJson, `malformed JSON body: ${exception.message}`);
      if (status === 413 || type === 'entity.too.large')
        return new ApiError(ApiErrorCode.PayloadTooLarge, 'request body too large (limit 1 MB)');
      const code = (Object.keys(API_ERROR_STATUS) as ApiErrorCode[]).find((c) => API_ERROR_STATUS[c] === status);
      return new ApiError(code ?? ApiErrorCode.Internal, exception.message);
    }
    return new ApiError(ApiErrorCode.Internal, 'internal error; see the API log');
  }

  private unavailable(dependency: string): ApiError {
    return new ApiError(
      ApiErrorCode.DependencyUnavailable,
      `${dependency} is unavailable; the request changed nothing. Retry shortly (GET /api/v1/health shows what is down).`,
    );
  }
}

/** The experiment domain's refusals, as HTTP: exhaustive, so a new code does not compile until it is mapped here. */
function experimentError(error: ExperimentError): ApiError {
  switch (error.code) {
    case ExperimentErrorCode.InvalidExperiment:
      return ApiError.validation(error.message, error.problems);
  }
}

function isConnectionError(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${(error as { code?: string })?.code ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|Connection is closed|Stream isn't writeable|enableOfflineQueue|DatabaseNotReachable|terminating connection|Can't reach database|ETIMEDOUT|max retries per request/i.test(
    text,
  );
}

function describeDependency(error: unknown): string {
  const text = `${(error as Error)?.message ?? ''} ${(error as Error)?.stack ?? ''}`;
  return /ioredis|Stream isn't writeable|enableOfflineQueue|max retries per request|6379/i.test(text) ? 'Redis' : 'PostgreSQL';
}
