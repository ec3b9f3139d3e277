// Messages between the validator pool and its worker threads.
import type { KustomizationRefs } from './kustomization-policy.ts';
import type { ObjectHeader, YamlPosition } from './yaml-check.ts';

export interface ValidationRequest {
  id: number;
  data: Uint8Array;
  kustomization: boolean;
}

export type ValidationReply =
  | { id: number; ok: true; headers: ObjectHeader[]; kustomization?: KustomizationRefs | undefined }
  | { id: number; ok: false; problem: string; position?: YamlPosition | undefined; policy?: boolean };
