import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';

/**
 * 404 for a run that does not exist, before a stream starts. Nest runs an @Sse() handler (and its pipes) inside the
 * event stream, after answering 200; guards run before, so this is where an unknown run is refused as HTTP.
 */
@Injectable()
export class RunExistsGuard implements CanActivate {
  constructor(private readonly prisma: PrismaService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const id = context.switchToHttp().getRequest<Request>().params.id as string;
    if (!(await this.prisma.client.run.findUnique({ where: { id }, select: { id: true } })))
      throw ApiError.notFound('run', id);
    return true;
  }
}
