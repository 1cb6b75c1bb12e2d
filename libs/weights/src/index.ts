export * from './torch-checkpoint.reader';
export * from './safetensors.reader';
export * from './resnet18-state-dict';
export * from './weights-report';
