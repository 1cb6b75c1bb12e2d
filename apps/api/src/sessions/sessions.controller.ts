import { Body, Controller, Delete, Get, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-body.pipe';
import type { AuthenticatedRequest } from '../keys/api-key.guard';
import { Public, RequireRole } from '../keys/api-key-roles';
import { SessionsService } from './sessions.service';

const signInSchema = z
  .object({
    /** An API key: the session acts with its role. */
    key: z.string().min(1).max(200).optional(),
    /** Or a one-time sign-in link token. */
    linkToken: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((body) => Boolean(body.key) !== Boolean(body.linkToken), {
    message: 'give exactly one of key or linkToken',
    path: ['key'],
  });

@ApiTags('sessions')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** Public: this is how a browser signs in. Failed attempts count against the client address's limit. */
  @Post()
  @Public()
  signIn(@Body(new ZodPipe(signInSchema)) body: z.output<typeof signInSchema>, @Req() request: AuthenticatedRequest) {
    return this.sessions.signIn(body, request.ip ?? 'unknown');
  }

  @Get('current')
  @ApiBearerAuth()
  current(@Req() request: AuthenticatedRequest) {
    return this.sessions.current(request.apiKey!);
  }

  @Delete('current')
  @ApiBearerAuth()
  signOut(@Req() request: AuthenticatedRequest) {
    return this.sessions.signOut(request.apiKey!);
  }

  @Post('links')
  @ApiBearerAuth()
  @RequireRole('admin')
  createLink(@Req() request: AuthenticatedRequest) {
    return this.sessions.createLink(request.apiKey!);
  }
}
