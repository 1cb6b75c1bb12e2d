export * from './load-trunk-weights';
