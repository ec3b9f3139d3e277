// Registry of injected faults and the rules deciding which request they hit.
import type { Fault } from '../types.ts';

export interface ActiveFault {
  readonly fault: Fault;
  /** Requests it may still affect; Infinity without `times`. */
  remaining: number;
  /** Matching authenticated requests seen so far (for `expireTokenAfter`). */
  seen: number;
}

function routeMatches(route: Fault['route'], pathname: string): boolean {
  if (route === undefined) return true;
  if (route instanceof RegExp) {
    route.lastIndex = 0;
    return route.test(pathname);
  }
  if (route.endsWith('*')) return pathname.startsWith(route.slice(0, -1));
  return pathname === route;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];

  add(fault: Fault): () => void {
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
      throw new RangeError(`fault times must be a positive integer, got ${fault.times}`);
    }
    const active: ActiveFault = { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY, seen: 0 };
    this.faults.push(active);
    return () => this.remove(active);
  }

  private remove(active: ActiveFault): void {
    this.faults = this.faults.filter((f) => f !== active);
  }

  clear(): void {
    this.faults = [];
  }

  /** Faults that apply to this request, in the order they were injected. */
  matching(pathname: string, method: string): ActiveFault[] {
    return this.faults.filter(
      (f) =>
        f.remaining > 0 &&
        routeMatches(f.fault.route, pathname) &&
        (f.fault.method === undefined || f.fault.method.toUpperCase() === method.toUpperCase()),
    );
  }

  /** Records that a fault affected one request; it disappears once `times` is used up. */
  consume(active: ActiveFault): void {
    active.remaining -= 1;
    if (active.remaining <= 0) this.remove(active);
  }
}
