// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a lease is free when
// its holder has not renewed within leaseDuration *as observed locally* (no trust in remote clocks),
// the leader renews every retryPeriod and steps down when it cannot renew within renewDeadline, and a
// clean shutdown releases the lease so a standby takes over at once.
import type { Logger } from 'pino';
import { delay } from '../util/timers.ts';
import type { KubeClient, KubeObject } from './client.ts';
import { isAlreadyExists, isConflict, isNotFound } from './errors.ts';
import { resources } from './resources.ts';

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel: boolean;
}

type Lease = KubeObject & {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
};

function microTime(date: Date): string {
  return date.toISOString().replace('Z', '000Z');
}

export class LeaderElector {
  readonly #kube: KubeClient;
  readonly #config: LeaderElectionConfig;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  #leader = false;
  #observed: { record: string; at: number } | undefined;
  #loop: Promise<void> | undefined;

  constructor(kube: KubeClient, config: LeaderElectionConfig, logger: Logger) {
    this.#kube = kube;
    this.#config = config;
    this.#logger = logger.child({ lease: `${config.namespace}/${config.name}` });
  }

  isLeader(): boolean {
    return this.#leader;
  }

  /**
   * Campaigns until elected, then keeps renewing; calls onStoppedLeading once when leadership is lost,
   * and stops there.
   */
  run(callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void }): void {
    this.#loop = this.#run(callbacks);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    if (this.#leader && this.#config.releaseOnCancel) await this.#release();
    this.#leader = false;
  }

  async #run(callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void }): Promise<void> {
    const signal = this.#abort.signal;
    let lastRenew = Date.now();
    while (!signal.aborted) {
      let held = false;
      try {
        held = await this.#tryAcquireOrRenew();
      } catch (error) {
        this.#logger.debug({ err: String(error) }, 'lease update failed');
      }
      const now = Date.now();
      if (held) {
        lastRenew = now;
        if (!this.#leader) {
          this.#leader = true;
          this.#logger.info({ identity: this.#config.identity }, 'successfully acquired lease');
          callbacks.onStartedLeading();
        }
      } else if (this.#leader && now - lastRenew > this.#config.renewDeadlineMs) {
        this.#leader = false;
        this.#logger.error('leader election lost');
        callbacks.onStoppedLeading();
        // As client-go's RunOrDie: a lost lease ends the campaign. Whatever this replica started as
        // leader is being torn down; it must not be started again underneath by a re-acquired lease.
        return;
      }
      await delay(this.#config.retryPeriodMs, signal);
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs } = this.#config;
    const now = new Date();
    let lease: Lease;
    try {
      lease = await this.#kube.get<Lease>(resources.lease, namespace, name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await this.#kube.create(resources.lease, namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      } catch (createError) {
        if (isAlreadyExists(createError)) return false;
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.acquireTime]);
    if (this.#observed?.record !== record) this.#observed = { record, at: Date.now() };
    const holder = spec.holderIdentity ?? '';
    const expired = Date.now() - this.#observed.at > leaseDurationMs;
    if (holder !== identity && holder !== '' && !expired) return false;
    const takingOver = holder !== identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        renewTime: microTime(now),
        ...(takingOver
          ? {
              acquireTime: microTime(now),
              leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === '' ? 0 : 1),
            }
          : {}),
      },
    };
    try {
      await this.#kube.replace(resources.lease, next);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async #release(): Promise<void> {
    const { namespace, name, identity } = this.#config;
    try {
      const lease = await this.#kube.get<Lease>(resources.lease, namespace, name);
      if (lease.spec?.holderIdentity !== identity) return;
      await this.#kube.replace(resources.lease, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          renewTime: microTime(new Date()),
          leaseDurationSeconds: 1,
        },
      });
      this.#logger.info('lease released');
    } catch (error) {
      this.#logger.error({ err: String(error) }, 'unable to release lease');
    }
  }
}
