import { prismaRunLedger } from '@fer/db';
import { recordWebhookEvent } from '@fer/experiments';
import assert from 'node:assert/strict';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { verifyWebhookSignature } from './webhook-signature';

describe('webhooks', () => {
  let api: ApiHarness;
  let receiver: Server;
  let receiverUrl: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let failNext = 0;

  before(async () => {
    // The receiver is on loopback: this API may deliver there (security-bad-input covers the refusal).
    api = await startApiHarness('webhooks', { FER_WEBHOOK_POLL_SECONDS: '3600', FER_WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        if (failNext > 0) {
          failNext--;
          response.writeHead(500).end();
          return;
        }
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await api.close();
    receiver.close();
  });

  it('should refuse a webhook URL with a non-HTTP scheme', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'javascript:alert(1)', 'not a url']) {
      const response = await api.request('POST', '/webhooks', { body: { url } });
      assert.equal(response.status, 400, url);
      assert.equal(response.body.error.problems[0].field, 'url');
    }
  });

  it('should deliver an event signed with HMAC-SHA256, once, and retry with backoff when the receiver fails', async () => {
    const created = await api.request('POST', '/webhooks', { body: { url: receiverUrl, events: ['run.succeeded'] } });
    assert.equal(created.status, 201);
    const secret: string = created.body.secret;
    const prisma = api.app.get(PrismaService).client;

    failNext = 1;
    assert.equal(await recordWebhookEvent(prismaRunLedger(prisma), 'run.succeeded', 'run_x', { runId: 'run_x' }), 1);
    assert.equal(await recordWebhookEvent(prismaRunLedger(prisma), 'run.succeeded', 'run_x', { runId: 'run_x' }), 0, 'the same outcome twice is one delivery');
    assert.equal(await recordWebhookEvent(prismaRunLedger(prisma), 'run.failed', 'run_y', {}), 0, 'not subscribed');

    await api.request('POST', '/webhooks/deliver');
    let [delivery] = (await api.request('GET', `/webhooks/${created.body.id}/deliveries`)).body;
    assert.equal(delivery.status, 'pending');
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.responseCode, 500);
    assert.ok(new Date(delivery.nextAttemptAt).getTime() > Date.now(), 'backed off');
    assert.equal(received.length, 0);

    await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { nextAttemptAt: new Date() } });
    await api.request('POST', '/webhooks/deliver');
    [delivery] = (await api.request('GET', `/webhooks/${created.body.id}/deliveries`)).body;
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts, 2);
    assert.equal(received.length, 1);
    const [message] = received;
    assert.equal(message.headers['x-fer-event'], 'run.succeeded');
    assert.ok(verifyWebhookSignature(secret, message.body, message.headers['x-fer-signature'] as string));
    assert.ok(!verifyWebhookSignature('wrong-secret-wrong-secret', message.body, message.headers['x-fer-signature'] as string));
    assert.equal(JSON.parse(message.body).data.runId, 'run_x');
  });
});
