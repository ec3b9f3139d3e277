// Public API of delivery status: which Flux objects consume our artifact and what they did with it.

export {
  CORRECTION_RETENTION_MS,
  computeDelivery,
  type DeliveryInput,
  DeliveryReason,
  type DeliveryResult,
  type DriftSummary,
  MAX_CONSUMERS,
} from './compute.ts';
export {
  type ConsumerDriftSignals,
  ConsumerKind,
  type ConsumerObject,
  consumerKey,
  type DriftSignal,
  type ExternalArtifactRef,
  eaKey,
  externalArtifactRefOf,
  type InventoryEntry,
  parseConsumer,
} from './consumer.ts';
export {
  appliedLines,
  isCorrection,
  KUSTOMIZE_REVISION_ANNOTATION,
  parseEvent,
  signalOf,
} from './event-signals.ts';
export { DeliveryTracker, type DeliveryTrackerOptions } from './tracker.ts';
