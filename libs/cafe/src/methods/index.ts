export * from './method';
export * from './method.registry';
export * from './cafe.method';
export * from './linear-probe.method';
export * from './finetune.method';
export * from './fc-head';
export * from './losses';
