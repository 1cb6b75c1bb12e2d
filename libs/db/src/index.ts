export * from './migrator';
export * from './prisma-client.factory';
export * from './repo-paths';
export * from './test-database';
export * from './run-lifecycle';
export * from './webhook-events';
