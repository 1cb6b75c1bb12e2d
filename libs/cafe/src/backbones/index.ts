export type { Backbone, BackboneInfo, BackboneLoadOptions, BackboneRegistration } from './backbone';
export { DEFAULT_BACKBONE } from '@fer/contracts';
export { listBackbones, loadBackbone } from './backbone.registry';
export { ClipVitBackbone, clipVitOnOnnx, clipVitOnTfjs, loadClipVit, readClipVitWeights, type ClipVitHyperparameters, type ClipVitWeights } from './clip-vit.backbone';
export * from './onnx/frozen-engine';
export { clipVitOnnxModel } from './onnx/clip-vit.onnx';
export { SafetensorsFile, SafetensorsFormatError, type SafetensorsEntry, type Float32TensorData } from '@fer/weights';
export { embedImages } from './embed-images';
