import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { PrismaService } from '../database/prisma.service';
import { signWebhookBody } from './webhook-signature';
import { postWebhook } from './webhook-target';

const MAX_ATTEMPTS = 8;
const BATCH = 20;
const TIMEOUT_MS = 10_000;

/** Sends due deliveries, signed; a failure is retried with exponential backoff (2 s, 4 s, … 1 h), 8 tries in all. */
@Injectable()
export class WebhookDeliveryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly loop = new PeriodicTask('delivery loop', async () => void (await this.deliverDue()), this.logger);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start(this.env.FER_WEBHOOK_POLL_SECONDS);
  }

  onModuleDestroy(): void {
    this.loop.stop();
  }

  async deliverDue(): Promise<number> {
    const due = await this.prisma.client.webhookDelivery.findMany({
      where: { status: 'pending', nextAttemptAt: { lte: new Date() } },
      include: { webhook: true },
      orderBy: { nextAttemptAt: 'asc' },
      take: BATCH,
    });
    for (const delivery of due) {
      const body = JSON.stringify(delivery.payload);
      let responseCode: number | null = null;
      let error: string | null = null;
      try {
        responseCode = await postWebhook(
          new URL(delivery.webhook.url),
          body,
          {
            'content-type': 'application/json',
            'x-fer-event': delivery.event,
            'x-fer-delivery': delivery.id,
            'x-fer-signature': signWebhookBody(delivery.webhook.secret, body),
          },
          { timeoutMs: TIMEOUT_MS, allowInternal: this.env.FER_WEBHOOK_ALLOW_PRIVATE },
        );
        if (responseCode < 200 || responseCode >= 300) error = `HTTP ${responseCode}`;
      } catch (cause) {
        error = (cause as Error).message;
      }
      const attempts = delivery.attempts + 1;
      await this.prisma.client.webhookDelivery.update({
        where: { id: delivery.id },
        data: error
          ? {
              attempts,
              responseCode,
              error,
              status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
              nextAttemptAt: new Date(Date.now() + Math.min(2 ** attempts * 1000, 3_600_000)),
            }
          : { attempts, responseCode, error: null, status: 'delivered', deliveredAt: new Date() },
      });
    }
    return due.length;
  }
}
