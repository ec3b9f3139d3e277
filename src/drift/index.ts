// Public API of report-only drift detection.
export { classify } from './classify.ts';
export { type DriftCluster, KubeDriftCluster } from './cluster.ts';
export { compareObjects, type FieldChange, normalize } from './compare.ts';
export { type ArtifactFileInput, type DesiredObject, desiredObjects } from './desired.ts';
export {
  DriftDetector,
  type DriftDetectorOptions,
  type DriftRepository,
  KUSTOMIZE_FIELD_MANAGER,
} from './detector.ts';
export {
  DRIFT_ANNOTATION,
  type IgnoreRule,
  IgnoreRules,
  InvalidIgnoreRuleError,
  optOutOf,
} from './ignore.ts';
export { parseInventoryId } from './inventory.ts';
export { DRIFT_CHECKS_METRIC, DRIFT_ITEMS_METRIC, DriftMetrics } from './metrics.ts';
export { attribute } from './ownership.ts';
export {
  Cause,
  Classification,
  DetectionMethod,
  type DriftFinding,
  type DriftItem,
  type DriftReport,
  driftItemSchema,
  driftReportSchema,
  MAX_OPEN_ITEMS,
  MAX_RESOLVED_ITEMS,
  Severity,
} from './report.ts';
export { type DriftMode, driftModeOf, driftRepositoryOf, previousReport } from './settings.ts';
export { type DriftEvent, driftEvents, mergeItems, summarize } from './state.ts';
