// Where a ConfigHubRepository's events go. As Flux's recorder: a Kubernetes Event on the object, also
// forwarded to notification-controller (when --events-addr is set), carrying the object's
// `event.toolkit.fluxcd.io/` annotations so Alerts can route on them (team, runbook, severity…).
// Flux Alerts cannot select our kind, so the same event is also recorded on, and forwarded as, our
// ExternalArtifact: one notification, two Kubernetes Events.
import { API_VERSION, EA_API_VERSION, EA_KIND, EVENT_ANNOTATION_PREFIX, KIND } from '../api/constants.ts';
import type { RepositoryObject } from '../api/v1beta1.ts';
import type { EventSink, EventType, InvolvedObject } from '../kube/events.ts';
import { stripControl, withoutUserinfo } from '../util/clean-text.ts';
import type { ExternalArtifactObject } from './external-artifact.ts';

/** The object an event is about. */
export interface EventSource {
  namespace: string;
  name: string;
  object: RepositoryObject;
}

export class EventFanout {
  readonly #sink: EventSink;
  readonly #getExternalArtifact: (namespace: string, name: string) => ExternalArtifactObject | undefined;

  constructor(
    sink: EventSink,
    getExternalArtifact: (namespace: string, name: string) => ExternalArtifactObject | undefined,
  ) {
    this.#sink = sink;
    this.#getExternalArtifact = getExternalArtifact;
  }

  async emit(
    source: EventSource,
    type: EventType,
    reason: string,
    message: string,
    eventMetadata?: Record<string, string>,
  ): Promise<void> {
    const { namespace, name, object } = source;
    const annotated = Object.entries(object.metadata.annotations ?? {}).filter(([key]) =>
      key.startsWith(EVENT_ANNOTATION_PREFIX),
    );
    const metadata =
      annotated.length === 0 ? eventMetadata : { ...Object.fromEntries(annotated), ...eventMetadata };
    const involved: InvolvedObject = {
      apiVersion: API_VERSION,
      kind: KIND,
      name,
      namespace,
      ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
    };
    const ea = this.#getExternalArtifact(namespace, name);
    const eaRef: InvolvedObject | undefined = ea?.metadata.uid
      ? { apiVersion: EA_API_VERSION, kind: EA_KIND, name, namespace, uid: ea.metadata.uid }
      : undefined;
    await this.#sink.record({
      involvedObject: involved,
      type,
      reason,
      message: stripControl(withoutUserinfo(message)),
      metadata,
      forwardAs: eaRef,
    });
    if (eaRef !== undefined && type !== 'Trace') {
      await this.#sink.record({
        involvedObject: eaRef,
        type,
        reason,
        message,
        metadata,
        forwardAs: eaRef,
        localOnly: true,
      });
    }
  }
}
