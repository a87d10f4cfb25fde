import { sql, type Kysely } from 'kysely';
import type { IngestQueue } from './ingest.ts';
import type { SensorService } from './service.ts';

/** The sensor part of /api/health. */
export interface SensorIngestStatus {
  /** `degraded` when the ingest is stuck or not connected to its broker */
  status: 'ok' | 'degraded';
  mqtt: { connected: boolean; clientId: string; sharedGroup: string | null; heartbeat: string | null; lease: 'held' | 'standby' | null };
  /** commit time of the last stored batch */
  lastStoredAt: string | null;
  /** receipt → commit of the oldest message of the last stored batch */
  lastLagMs: number | null;
  /** messages received and not yet committed, and the age of the oldest */
  pending: number;
  oldestPendingSeconds: number | null;
  /** messages wait longer than STUCK_AFTER_S, or the database refuses the writes */
  stuck: boolean;
  /** rows in sensor_quarantine (null when the database cannot be read) */
  quarantined: number | null;
}

/** A message that waits this long for its commit means the ingest is stuck (a batch normally commits within 50 ms). */
export const STUCK_AFTER_S = 30;

export function queueStuck(queue: IngestQueue, now = Date.now()): boolean {
  const oldest = queue.oldestPendingAt;
  return queue.failing || (oldest !== undefined && now - oldest > STUCK_AFTER_S * 1000);
}

export async function sensorIngestStatus(db: Kysely<any>, service: SensorService, now = Date.now()): Promise<SensorIngestStatus> {
  const { queue } = service;
  let quarantined: number | null = null;
  try {
    quarantined = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_quarantine`.execute(db)).rows[0]!.n;
  } catch {
    quarantined = null;
  }
  const oldest = queue.oldestPendingAt;
  const stuck = queueStuck(queue, now);
  // lease mode: a standby instance has no connection by design
  const connected = service.subscriber ? service.subscriber.client.connected : !!service.lease && !service.lease.held;
  return {
    status: stuck || !connected ? 'degraded' : 'ok',
    mqtt: { connected, clientId: service.clientId, sharedGroup: service.shareGroup ?? null, heartbeat: service.membership?.lastHeartbeat?.toISOString() ?? null, lease: service.lease ? (service.lease.held ? 'held' : 'standby') : null },
    lastStoredAt: queue.lastCommit?.at.toISOString() ?? null,
    lastLagMs: queue.lastCommit?.lagMs ?? null,
    pending: queue.pending,
    oldestPendingSeconds: oldest === undefined ? null : Math.round((now - oldest) / 100) / 10,
    stuck,
    quarantined,
  };
}
