import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkerEnv } from '../config/worker-env.schema';

export interface WorkerIdentity {
  id: string;
  host: string;
  pid: number;
  /** `cuda:<index>` when this process owns a GPU, `cpu` otherwise. */
  device: string;
}

export function workerIdentity(env: WorkerEnv): WorkerIdentity {
  const gpu = env.CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim();
  const device = gpu && gpu !== '-1' ? `cuda:${gpu}` : 'cpu';
  const host = hostname();
  const name = env.FER_WORKER_NAME ?? `${host}-${process.pid}`;
  return { id: `${name}-${randomBytes(3).toString('hex')}`, host, pid: process.pid, device };
}
