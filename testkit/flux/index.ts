export { findKubectl } from './kubectl.ts';
export {
  type KustomizeControllerOptions,
  KustomizeControllerStandIn,
  type ReconcileResult,
} from './kustomize-controller.ts';
