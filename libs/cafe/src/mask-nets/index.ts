export * from './mask-net';
export * from './mask-net.registry';
export * from './mlp.mask-net';
export * from './resnet18.mask-net';
