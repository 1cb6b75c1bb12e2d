export * from './test-database';
export * from './worker-process';
export * from './api-process';
export * from './fer-cli';
export * from './wait-until';
