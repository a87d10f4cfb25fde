import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DEFAULT_RULES_FILE } from './alerts.ts';
import type { FeedConfig } from './feeds.ts';

/** Settings of the sensor ingest, read from the environment (documented in README, section Sensors). */
export interface SensorConfig {
  enabled: boolean;
  /** external broker; unset = embedded broker on 127.0.0.1:embeddedPort */
  mqttUrl?: string;
  embeddedPort: number;
  /** MQTT_EMBEDDED_PORT was set: a busy port is an error instead of a fallback to a free one */
  embeddedPortExplicit: boolean;
  /** this instance's MQTT client id (MQTT_CLIENT_ID; default per host and port, so instances never share one) */
  clientId: string;
  /** MQTT 5 shared-subscription group (MQTT_SHARE_GROUP, default `geoportal`; empty = plain subscriptions); external broker only */
  shareGroup: string;
  /**
   * several instances on an external broker (MQTT_INGEST): `lease` — one instance at a time holds a lease in the
   * database and consumes with the fixed client id `leaseClientId` and a persistent session (decision 0038);
   * `shared` — every instance consumes its share of an MQTT 5 shared subscription (`shareGroup`)
   */
  ingestMode: 'lease' | 'shared';
  /** the one client id of the lease holder (MQTT_LEASE_CLIENT_ID, default `geoportal-sensor-ingest`) */
  leaseClientId: string;
  /** topic filters (MQTT_TOPICS, comma-separated; default: ChirpStack v4 and TTS v3 uplinks) */
  topics?: string[];
  retentionDays: number;
  /** observations before this instant are quarantined (SENSOR_EPOCH, default 2010-01-01) */
  epoch: Date;
  /** observations later than now + this are quarantined (SENSOR_MAX_FUTURE_MIN, default 10) */
  maxFutureMinutes: number;
  alertRulesFile: string;
  feeds: FeedConfig[];
}

export function loadSensorConfig(env: NodeJS.ProcessEnv = process.env): SensorConfig {
  const embeddedPort = Number(env.MQTT_EMBEDDED_PORT ?? 1884);
  if (!Number.isInteger(embeddedPort) || embeddedPort < 0 || embeddedPort > 65535) throw new Error(`MQTT_EMBEDDED_PORT must be a port number, got "${env.MQTT_EMBEDDED_PORT}"`);
  const retentionDays = Number(env.SENSOR_RETENTION_DAYS ?? 730);
  if (!(retentionDays > 0)) throw new Error(`SENSOR_RETENTION_DAYS must be a positive number of days, got "${env.SENSOR_RETENTION_DAYS}"`);
  const epoch = new Date(env.SENSOR_EPOCH || '2010-01-01T00:00:00Z');
  if (Number.isNaN(epoch.getTime())) throw new Error(`SENSOR_EPOCH must be an ISO 8601 date, got "${env.SENSOR_EPOCH}"`);
  const maxFutureMinutes = Number(env.SENSOR_MAX_FUTURE_MIN ?? 10);
  if (!(maxFutureMinutes >= 0)) throw new Error(`SENSOR_MAX_FUTURE_MIN must be a number of minutes ≥ 0, got "${env.SENSOR_MAX_FUTURE_MIN}"`);
  let feeds: FeedConfig[] = [];
  if (env.SENSOR_FEEDS_FILE) {
    feeds = JSON.parse(readFileSync(env.SENSOR_FEEDS_FILE, 'utf8')) as FeedConfig[];
    if (!Array.isArray(feeds)) throw new Error(`${env.SENSOR_FEEDS_FILE}: expected a list of feeds`);
    for (const f of feeds) if (!f?.id || !f.adapter || !f.url || !f.schedule) throw new Error(`${env.SENSOR_FEEDS_FILE}: each feed needs id, adapter, url, schedule`);
  }
  return {
    enabled: env.SENSORS !== '0',
    mqttUrl: env.MQTT_URL || undefined,
    embeddedPort,
    embeddedPortExplicit: env.MQTT_EMBEDDED_PORT !== undefined && env.MQTT_EMBEDDED_PORT !== '',
    clientId: env.MQTT_CLIENT_ID || defaultClientId(env),
    shareGroup: env.MQTT_SHARE_GROUP ?? 'geoportal',
    ingestMode: ingestMode(env.MQTT_INGEST, env.MQTT_SHARE_GROUP),
    leaseClientId: env.MQTT_LEASE_CLIENT_ID || 'geoportal-sensor-ingest',
    topics: env.MQTT_TOPICS ? env.MQTT_TOPICS.split(',').map((t) => t.trim()).filter(Boolean) : undefined,
    retentionDays,
    epoch,
    maxFutureMinutes,
    alertRulesFile: env.SENSOR_ALERT_RULES || DEFAULT_RULES_FILE,
    feeds,
  };
}

/**
 * One client id per instance: a broker disconnects a client when another connects with the same id,
 * so instances sharing a fixed id kick each other off. Host and port are stable across restarts of one
 * instance (its persistent session is resumed) and differ between instances.
 */
export function defaultClientId(env: NodeJS.ProcessEnv = process.env): string {
  // the server's port (api/config.ts: PORT, default 3000); a random port (0) gives no stable id, the process id then
  const port = env.PORT === '0' ? `pid${process.pid}` : env.PORT || '3000';
  return `geoportal-ingest-${hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${port}`;
}

/** `lease` unless MQTT_INGEST=shared, or MQTT_SHARE_GROUP is set and MQTT_INGEST is not (a configured share group keeps its mode). */
function ingestMode(v: string | undefined, shareGroup: string | undefined): 'lease' | 'shared' {
  if ((v === undefined || v === '') && shareGroup) return 'shared';
  if (v === undefined || v === '' || v === 'lease') return 'lease';
  if (v === 'shared') return 'shared';
  throw new Error(`MQTT_INGEST must be lease or shared, got "${v}"`);
}
