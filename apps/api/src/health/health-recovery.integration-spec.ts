import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { stopProcess, waitUntil } from '@fer/testing';

/** A private redis-server, so this test can stop and restart Redis without touching anyone else's. */
function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

/** Whether the Redis on this port answers PING now (a server just spawned may not listen yet on a loaded machine). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

describe('health while Redis goes away and comes back', () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  let redis = startRedis(port);
  let api: ApiHarness | undefined;
  after(async () => {
    await api?.close();
    await stopProcess(redis);
  });

  it('should answer 503 naming Redis when it stops, and 200 again when it returns', async () => {
    await waitUntil(async () => ((await answersPing(port)) ? true : null), 'the private Redis to answer', 20_000);
    api = await startApiHarness('health', { REDIS_URL: `redis://127.0.0.1:${port}` });
    const first = await api.request('GET', '/health', { key: null });
    assert.equal(first.status, 200, JSON.stringify(first.body));

    await stopProcess(redis);
    const down = await waitUntil(async () => {
      const response = await api!.request('GET', '/health', { key: null });
      return response.status === 503 ? response : null;
    }, 'health to report Redis down', 20_000);
    assert.deepEqual({ redis: down.body.redis, database: down.body.database }, { redis: 'down', database: 'up' });

    redis = startRedis(port);
    const up = await waitUntil(async () => {
      const response = await api!.request('GET', '/health', { key: null });
      return response.status === 200 ? response : null;
    }, 'health to recover', 30_000);
    assert.equal(up.body.redis, 'up');
  });
});
