// Worker thread entry: validates one unit at a time, off the main event loop, so a huge or hostile
// unit delays only its own build (and is killed with its worker when its time runs out).
import { parentPort } from 'node:worker_threads';
import { KustomizationPolicyError, kustomizationReferences } from './kustomization-policy.ts';
import type { ValidationReply, ValidationRequest } from './validation-protocol.ts';
import { checkKubernetesYaml, YamlCheckError } from './yaml-check.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

function handle(request: ValidationRequest): ValidationReply {
  let text: string;
  try {
    text = decoder.decode(request.data);
  } catch {
    return { id: request.id, ok: false, problem: 'data is not valid UTF-8' };
  }
  try {
    const headers = checkKubernetesYaml(text, request.kustomization);
    if (!request.kustomization) return { id: request.id, ok: true, headers };
    return { id: request.id, ok: true, headers, kustomization: kustomizationReferences(text) };
  } catch (error) {
    if (error instanceof YamlCheckError) {
      const policy = error instanceof KustomizationPolicyError;
      return { id: request.id, ok: false, problem: error.problem, position: error.position, policy };
    }
    // Anything else is a parser bug, not the unit's fault: say what kind of error without its text.
    const kind = error instanceof Error ? error.name : typeof error;
    return { id: request.id, ok: false, problem: `the YAML parser failed (${kind})` };
  }
}

parentPort?.on('message', (request: ValidationRequest) => {
  parentPort!.postMessage(handle(request));
});
