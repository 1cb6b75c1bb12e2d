export * from './torch-checkpoint.reader';
export * from './resnet18-state-dict';
export * from './weights-report';
export * from './load-trunk-weights';
