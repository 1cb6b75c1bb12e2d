export * from './migrator';
export * from './prisma-client.factory';
export * from './prisma-run-ledger';
export * from './repo-paths';
