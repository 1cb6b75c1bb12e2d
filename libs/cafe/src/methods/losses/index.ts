export * from './softmax-cross-entropy';
export * from './scn.loss';
export * from './rul.loss';
export * from './eac.loss';
