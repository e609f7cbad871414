import type { Config } from '../config.js';
import type { Timings } from './background-work.js';

export function timingsFromConfig(config: Config): Timings {
  return {
    relayMs: Math.min(1000, config.SCOUT_RECONCILE_SECONDS * 1000),
    reconcileMs: config.SCOUT_RECONCILE_SECONDS * 1000,
    graceMs: config.SCOUT_RECONCILE_GRACE_SECONDS * 1000,
    heartbeatMs: config.SCOUT_HEARTBEAT_SECONDS * 1000,
    alertAfterMs: config.SCOUT_HEARTBEAT_ALERT_SECONDS * 1000,
    runLeaseMs: config.SCOUT_RUN_LEASE_SECONDS * 1000,
  };
}
