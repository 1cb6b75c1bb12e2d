import { WEBHOOK_EVENTS } from '@fer/experiments';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { ZodPipe } from '../common/zod-body.pipe';
import { PrismaService } from '../database/prisma.service';
import { RequireRole } from '../keys/api-key-roles';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { resolveWebhookHost, WebhookTargetError } from './webhook-target';

const createWebhookSchema = z
  .object({
    url: z
      .string()
      .max(2000)
      .refine((value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol), 'must be an http:// or https:// URL'),
    events: z.array(z.enum([...WEBHOOK_EVENTS, '*'])).min(1).default(['*']),
    /** HMAC-SHA256 secret; generated (and shown once) when omitted. */
    secret: z.string().min(16).max(200).optional(),
  })
  .strict();

@ApiTags('webhooks')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly delivery: WebhookDeliveryService,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  @Post()
  async create(@Body(new ZodPipe(createWebhookSchema)) body: z.output<typeof createWebhookSchema>) {
    try {
      await resolveWebhookHost(new URL(body.url).hostname, this.env.FER_WEBHOOK_ALLOW_PRIVATE);
    } catch (error) {
      if (!(error instanceof WebhookTargetError)) throw error;
      throw ApiError.validation(`webhook URL refused: ${error.message}`, [{ field: 'url', message: error.message }]);
    }
    const secret = body.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    const hook = await this.prisma.client.webhook.create({ data: { id: randomUUID(), url: body.url, events: body.events, secret } });
    return { id: hook.id, url: hook.url, events: hook.events, secret };
  }

  @Get()
  async list() {
    const hooks = await this.prisma.client.webhook.findMany({ orderBy: { createdAt: 'asc' } });
    return hooks.map(({ secret: _secret, ...hook }) => hook);
  }

  @Delete(':id')
  async remove(@Param('id') id: string) {
    const { count } = await this.prisma.client.webhook.deleteMany({ where: { id } });
    if (!count) throw ApiError.notFound('webhook', id);
    return { id, deleted: true };
  }

  /** The delivery log: every attempt's outcome, newest first. */
  @Get(':id/deliveries')
  deliveries(@Param('id') id: string) {
    return this.prisma.client.webhookDelivery.findMany({ where: { webhookId: id }, orderBy: { createdAt: 'desc' }, take: 200 });
  }

  /** Sends due deliveries now (the loop also runs on a timer). */
  @Post('deliver')
  @HttpCode(200)
  async deliverNow() {
    return { sent: await this.delivery.deliverDue() };
  }
}
