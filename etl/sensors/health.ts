import { sql, type Kysely } from 'kysely';
import type { PartHealth } from '../../api/health.ts';
import type { SensorService } from './service.ts';
import { sensorIngestStatus } from './status.ts';

/**
 * The sensor ingest as /api/health reports it (part `sensorIngest`): the
 * ingest's own status (etl/sensors/status.ts: broker connection, commit lag,
 * pending messages, quarantine) plus what was set aside in the last 24 hours,
 * and a reason an operator can act on when it is stuck.
 */
export async function sensorIngestHealth(db: Kysely<any>, service: SensorService, now = new Date()): Promise<PartHealth> {
  const s = await sensorIngestStatus(db, service, now.getTime());
  // set aside = rejected messages kept with their reason (sensor_reject) and dead letters (sensor_quarantine)
  const setAside = await sql<{ n: number }>`SELECT
      (SELECT count(*) FROM sensor_reject WHERE received_at > ${now}::timestamptz - interval '24 hours')
    + (SELECT count(*) FROM sensor_quarantine WHERE received_at > ${now}::timestamptz - interval '24 hours') AS n`
    .execute(db)
    .then((r) => Number(r.rows[0]!.n))
    .catch(() => null);
  const reasons: string[] = [];
  if (s.stuck) reasons.push(`${s.pending} messages wait ${s.oldestPendingSeconds ?? 0} s for their batch to commit`);
  if (!s.mqtt.connected) reasons.push(`not connected to the MQTT broker ${redact(service.mqttUrl)}; reconnecting`);
  const { status: _status, ...facts } = s;
  return {
    status: reasons.length ? 'stuck' : 'ok',
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    mqttConnected: s.mqtt.connected,
    lagSeconds: s.oldestPendingSeconds ?? 0,
    quarantined24h: setAside,
    ...facts,
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
