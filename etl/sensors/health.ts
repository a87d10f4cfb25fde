import { sql, type Kysely } from 'kysely';
import type { PartHealth } from '../../api/health.ts';
import type { SensorService } from './service.ts';

/** A message waiting longer than this for its batch to commit means ingest is stuck (SENSOR_LAG_STUCK_SECONDS). */
export const LAG_STUCK_SECONDS = Number(process.env.SENSOR_LAG_STUCK_SECONDS ?? 60);

/**
 * The sensor ingest as /api/health reports it: connected to its broker, how
 * far behind the commits are (lag), and how many messages were set aside in
 * the last 24 h. Kept in one function so that new ingest state (a dead-letter
 * table, its own status) is added here and nowhere else.
 */
export async function sensorIngestHealth(db: Kysely<any>, service: SensorService, now = new Date()): Promise<PartHealth> {
  const backlog = service.queue.backlog();
  const lagSeconds = backlog.oldestAt ? Math.round((now.getTime() - backlog.oldestAt.getTime()) / 100) / 10 : 0;
  // set aside = rejected messages kept with their reason (sensor_reject); a dead-letter table joins this count
  const setAside = (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_reject WHERE received_at > ${now}::timestamptz - interval '24 hours'`.execute(db)
  ).rows[0]!.n;
  const reasons: string[] = [];
  if (lagSeconds > LAG_STUCK_SECONDS)
    reasons.push(`${backlog.messages} messages wait ${lagSeconds} s for their batch to commit${service.queue.lastError ? ` (last error: ${service.queue.lastError})` : ''}`);
  if (!service.mqttConnected()) reasons.push(`not connected to the MQTT broker ${redact(service.mqttUrl)}; reconnecting`);
  const stats = service.queue.stats;
  return {
    status: reasons.length ? 'stuck' : 'ok',
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    mqttConnected: service.mqttConnected(),
    lagSeconds,
    waiting: backlog.messages,
    quarantined24h: setAside,
    received: stats.received,
    failedBatches: stats.failedBatches,
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
