export * from './queue-config';
export * from './redis-connection';
export * from './job-queues';
