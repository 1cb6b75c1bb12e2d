// The worker's one seam to the science: everything it needs from libs/cafe, by name.
export {
  checkpointEpoch,
  evaluateCheckpoint as evaluateModel,
  initializeBackend,
  splitSourceValidation,
  train as trainModel,
  type FeatureSet,
} from '@fer/cafe';
