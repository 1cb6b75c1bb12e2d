import { jobIdOf } from '@fer/experiments';
import { QueueName, SeededRandom } from '@fer/contracts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueueService } from '../../src/queues/queue.service';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { stopProcess, waitUntil } from '@fer/testing';
import {
  assertCompleteWithoutDuplicates,
  chaosSeed,
  chaosSweep,
  dropQueueKeys,
  importDomains,
  makeDomains,
  sleep,
  sweepResult,
  tempHome,
  waitForSweep,
  Workers,
  workerEnv,
} from './chaos-support';

const EPOCHS = 6;
/** Source images: 7 classes x 10, two views, in batches of 32 images: three extraction batches. */
const PER_CLASS_TRAIN = 10;
const FEATURES_SHARE = 0.15;

type KillPoint =
  | { phase: 'feature-extraction'; afterBatches: number }
  /** Killed `into` of the way through an epoch after `epoch` has been checkpointed (scaled by how long the last epoch took). */
  | { phase: 'mid-epoch'; ordinal: number; epoch: number; into: number }
  /**
   * Killed `into` of the way through a run's last epoch, whose end scores every target (targets are scored during
   * training, each epoch): the next attempt must write that epoch's scores once, equal to an undisturbed run's.
   */
  | { phase: 'last-epoch'; into: number };

/** Three kills, one per phase, at seeded places: a failing seed replays with FER_CHAOS_SEED. */
function killPlan(seed: number): KillPoint[] {
  const random = new SeededRandom(seed);
  const pick = (n: number) => Math.floor(random.next() * n);
  const midEpoch = { phase: 'mid-epoch' as const, ordinal: pick(3), epoch: 1 + pick(EPOCHS - 3), into: Math.round(random.next() * 80) / 100 };
  return [
    { phase: 'feature-extraction', afterBatches: 1 + pick(2) },
    midEpoch,
    { phase: 'last-epoch', into: Math.round(random.next() * 80) / 100 },
  ];
}

describe('chaos: worker processes SIGKILLed at random points of a sweep', () => {
  let calm: ApiHarness;
  let chaos: ApiHarness;
  let data: Awaited<ReturnType<typeof makeDomains>>;
  const homes = [tempHome(), tempHome()];
  let calmWorkers: Workers;
  let chaosWorkers: Workers;

  before(async () => {
    data = await makeDomains(PER_CLASS_TRAIN, 2);
    [calm, chaos] = await Promise.all([
      startApiHarness('chaos_calm', { FER_DATA_ROOTS: data.root }),
      startApiHarness('chaos_kill', { FER_DATA_ROOTS: data.root }),
    ]);
    await Promise.all([importDomains(calm, data.root), importDomains(chaos, data.root)]);
    // A lock long enough that a worker starved of CPU (other tests run beside this one) never loses its job alive.
    calmWorkers = new Workers(() => workerEnv(calm, homes[0].home, { FER_JOB_LOCK_SECONDS: '8' }));
    chaosWorkers = new Workers(() => workerEnv(chaos, homes[1].home, { FER_JOB_LOCK_SECONDS: '8' }));
  });

  after(async () => {
    await calmWorkers?.stopAll();
    await chaosWorkers?.stopAll();
    await dropQueueKeys(calm);
    await dropQueueKeys(chaos);
    await calm?.close();
    await chaos?.close();
    data?.cleanup();
    for (const home of homes) home.cleanup();
  });

  it('should complete every run with the results of an undisturbed sweep, nothing written twice, attempts recorded', { timeout: 300_000 }, async () => {
    const seed = chaosSeed();
    const plan = killPlan(seed);
    console.log(`worker-kill chaos: FER_CHAOS_SEED=${seed} plan ${JSON.stringify(plan)}`);

    const spec = chaosSweep('kill sweep', EPOCHS);
    const [calmSweep, chaosSweepCreated] = await Promise.all([calm.request('POST', '/sweeps', { body: spec }), chaos.request('POST', '/sweeps', { body: spec })]);
    assert.equal(calmSweep.status, 201, JSON.stringify(calmSweep.body));
    assert.equal(chaosSweepCreated.status, 201, JSON.stringify(chaosSweepCreated.body));
    const sweepId: string = chaosSweepCreated.body.sweep.id;
    calmWorkers.spawn();
    chaosWorkers.spawn();

    const prisma = chaos.app.get(PrismaService).client;
    const queues = chaos.app.get(QueueService).queues;
    const startedRuns = () => prisma.run.findMany({ where: { sweepId, startedAt: { not: null } }, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }] });

    interface Kill {
      phase: string;
      at: string;
      runId: string;
      /** Jobs a dead worker held when the kill was over (one worker lives at a time): each must start again. */
      interrupted: { queue: QueueName; id: string }[];
      /** Runs the killed worker was training, with their attempt count then. */
      training: { id: string; attempts: number }[];
    }
    const kills: Kill[] = [];
    let trainingOrdinal = plan[1].phase === 'mid-epoch' ? plan[1].ordinal : 0;
    for (let p = 0, tries = 0; p < plan.length; ) {
      const point = plan[p];
      let describeKill = '';
      let victim = '';
      let delayMs = 0;
      const [current] = chaosWorkers.live();
      await waitUntil(
        async () => {
          const runs = await startedRuns();
          // Training phases aim at the live worker's run (the dead one's progress stays in the row until resumed).
          const live = await prisma.worker.findFirst({ where: { pid: current.pid }, orderBy: { startedAt: 'desc' } });
          if (point.phase === 'feature-extraction') {
            const run = runs[0];
            if (run?.workerId !== live?.id) return false;
            const threshold = FEATURES_SHARE * ((64 * point.afterBatches) / (7 * PER_CLASS_TRAIN * 2)) - 1e-6;
            if (run && run.status === 'running' && run.epoch === 0 && run.progress >= threshold && run.progress < FEATURES_SHARE) {
              victim = run.id;
              describeKill = `run #0 at feature progress ${(run.progress / FEATURES_SHARE).toFixed(2)}`;
              return true;
            }
            assert.ok(!run || run.epoch === 0, `missed the feature extraction of run #0 (${run?.epoch} epochs done)`);
            return false;
          }
          if (point.phase === 'mid-epoch') {
            const run = runs[trainingOrdinal];
            if (run?.trainedAt) {
              // Trained before the kill landed (a fast machine): aim at the next run instead.
              assert.ok(trainingOrdinal < 3, 'missed the training of every run');
              trainingOrdinal++;
              return false;
            }
            // An epoch's checkpoint is saved after its metrics and its target scores: once the next epoch's metrics are
            // in, the checkpoint of `point.epoch` surely is, so the kill lands in an epoch that has one to resume from.
            if (run && run.workerId === live?.id && run.epoch >= point.epoch + 1) {
              victim = run.id;
              const last = await prisma.epochMetric.findUnique({ where: { runId_epoch: { runId: run.id, epoch: run.epoch } } });
              delayMs = Math.round(point.into * (last?.seconds ?? 0) * 1000);
              describeKill = `run #${trainingOrdinal} ${Math.round(point.into * 100)} % into epoch ${run.epoch + 1} (+${delayMs} ms)`;
              return true;
            }
            return false;
          }
          // Any run of the live worker entering its last epoch will do (which one depends on the kills before).
          for (const run of runs.filter((r) => !r.trainedAt && r.workerId === live?.id && r.epoch === EPOCHS - 1)) {
            victim = run.id;
            const last = await prisma.epochMetric.findUnique({ where: { runId_epoch: { runId: run.id, epoch: run.epoch } } });
            delayMs = Math.round(point.into * (last?.seconds ?? 0) * 1000);
            describeKill = `run #${runs.indexOf(run)} ${Math.round(point.into * 100)} % into its last epoch (+${delayMs} ms)`;
            return true;
          }
          assert.ok(runs.length < 4 || runs.some((r) => !r.trainedAt), 'missed the last epoch of every run');
          return false;
        },
        `the ${point.phase} kill point`,
        180_000,
        40,
      );
      if (point.phase === 'mid-epoch' || point.phase === 'last-epoch') await sleep(delayMs);
      const victimWorker = current;
      await stopProcess(victimWorker, 'SIGKILL');
      chaosWorkers.spawn();
      // A command the worker sent just before it died can still land: look once Redis has settled.
      await sleep(300);
      const active = await Promise.all(
        [QueueName.Train, QueueName.Evaluate].map(async (queue) => (await queues.queue(queue).getActive()).map((job) => ({ queue, id: job.id! }))),
      );
      const interrupted = active.flat();
      const workerRow = await prisma.worker.findFirst({ where: { pid: victimWorker.pid }, orderBy: { startedAt: 'desc' } });
      const training = await prisma.run.findMany({ where: { workerId: workerRow?.id ?? '-', status: 'running', trainedAt: null }, select: { id: true, attempts: true } });
      const hit = training.some((run) => run.id === victim) && interrupted.some((job) => job.id === jobIdOf(QueueName.Train, { runId: victim }));
      const victimJob = await queues.queue(QueueName.Train).getJob(jobIdOf(QueueName.Train, { runId: victim }));
      const missed = hit ? '' : ` (missed; the victim's train job is ${victimJob ? `${await victimJob.getState()}, stalled ${victimJob.stalledCounter}` : 'gone'})`;
      console.log(`killed worker ${victimWorker.pid} during ${point.phase}: ${describeKill}; interrupted ${JSON.stringify(interrupted.map((j) => j.id))}${missed}`);
      kills.push({ phase: point.phase, at: describeKill, runId: victim, interrupted, training });
      if (hit) {
        p++;
        tries = 0;
      } else {
        assert.ok(++tries < 4, `the ${point.phase} kill missed its job ${tries} times`);
      }
    }

    const describeWorkers = () => chaosWorkers.output().slice(-4000);
    await Promise.all([
      waitForSweep(prisma, sweepId, 240_000, describeWorkers),
      waitForSweep(calm.app.get(PrismaService).client, calmSweep.body.sweep.id, 240_000, () => calmWorkers.output().slice(-4000)),
    ]);

    // A job killed after its last write can stall past the sweep's end: let every interrupted job run again first.
    const interruptedJobs = kills.flatMap((kill) => kill.interrupted);
    await waitUntil(
      async () => (await Promise.all(interruptedJobs.map(async ({ queue, id }) => (await queues.queue(queue).getJob(id))?.getState()))).every((state) => state === 'completed'),
      'every interrupted job to complete',
      60_000,
    );
    // Nothing lost, nothing twice.
    await assertCompleteWithoutDuplicates(prisma, sweepId, EPOCHS);
    await assertCompleteWithoutDuplicates(calm.app.get(PrismaService).client, calmSweep.body.sweep.id, EPOCHS);

    // Each interrupted job was started again and says so: runs count their attempts, jobs their stalls.
    for (const kill of kills) {
      for (const { id, attempts } of kill.training) {
        const run = await prisma.run.findUniqueOrThrow({ where: { id } });
        assert.ok(run.attempts > attempts && run.attempts >= 2, `run ${id}: ${run.attempts} attempts recorded after a kill at attempt ${attempts}`);
      }
      for (const { queue, id } of kill.interrupted) {
        const job = await queues.queue(queue).getJob(id);
        assert.ok(job, `job ${id} is kept after completion`);
        assert.equal(await job.getState(), 'completed', id);
        assert.ok((job.stalledCounter ?? 0) >= 1 && (job.attemptsStarted ?? 0) >= 2, `job ${id} started ${job.attemptsStarted} times, stalled ${job.stalledCounter}`);
      }
    }
    const logs = await prisma.runLog.findMany({ where: { message: { contains: 'resuming from the last checkpoint' } } });
    const midEpochKill = kills.find((k) => k.phase === 'mid-epoch')!;
    assert.ok(logs.some((l) => l.runId === midEpochKill.runId), 'the run killed mid-epoch resumed from its checkpoint');

    // The same numbers as the undisturbed sweep: per (config, seed, domain, checkpoint), and every epoch's metrics.
    const [expected, actual] = await Promise.all([sweepResult(calm.app.get(PrismaService).client, calmSweep.body.sweep.id), sweepResult(prisma, sweepId)]);
    assert.deepEqual([...actual.evaluations.keys()].sort(), [...expected.evaluations.keys()].sort());
    for (const [key, value] of expected.evaluations) assert.deepEqual(actual.evaluations.get(key), value, `evaluation ${key}`);
    for (const [key, value] of expected.epochs) assert.deepEqual(actual.epochs.get(key), value, `epoch metrics of ${key}`);
    console.log(
      `worker-kill chaos: ${kills.length} kills, attempts per run ${JSON.stringify(Object.fromEntries(actual.attempts))}, ` +
        `${actual.evaluations.size} evaluations equal to the undisturbed sweep`,
    );
  });
});
