// Bounds on what one ConfigHub client accepts from the server.

export interface Limits {
  /** Largest JSON body accepted from any route. */
  maxJsonBytes: number;
  /** Largest configuration document accepted for one unit. */
  maxUnitDataBytes: number;
  /** Largest sum of unit data in one snapshot. */
  maxTotalDataBytes: number;
  /** Pages followed through `ConfigHub-Continue` before giving up. */
  maxPages: number;
  /** Units one listing may contain. */
  maxUnits: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxJsonBytes: 64 * 1024 * 1024,
  maxUnitDataBytes: 32 * 1024 * 1024,
  maxTotalDataBytes: 512 * 1024 * 1024,
  maxPages: 100,
  maxUnits: 10_000,
};
