export type { Backbone, BackboneInfo, BackboneLoadOptions, BackboneRegistration } from './backbone';
export { DEFAULT_BACKBONE } from '@fer/contracts';
export { listBackbones, loadBackbone } from './backbone.registry';
export { ClipVitBackbone, loadClipVit, type ClipVitHyperparameters } from './clip-vit.backbone';
export { SafetensorsFile, SafetensorsFormatError, type SafetensorsEntry, type Float32TensorData } from '@fer/weights';
export { embedImages } from './embed-images';
