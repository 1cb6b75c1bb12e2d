export { FEATURE_VIEWS, FeatureCache, type FeatureCacheStats, type FeatureView } from './feature-cache';
export { extractFeatures, FeatureExtractionStoppedError, type ExtractedFeatures, type ExtractFeaturesOptions, type ImageSource } from './extract-features';
