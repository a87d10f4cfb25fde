import { readFileSync } from 'node:fs';
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
  clientId: string;
  retentionDays: number;
  alertRulesFile: string;
  feeds: FeedConfig[];
}

export function loadSensorConfig(env: NodeJS.ProcessEnv = process.env): SensorConfig {
  const embeddedPort = Number(env.MQTT_EMBEDDED_PORT ?? 1884);
  if (!Number.isInteger(embeddedPort) || embeddedPort < 0 || embeddedPort > 65535) throw new Error(`MQTT_EMBEDDED_PORT must be a port number, got "${env.MQTT_EMBEDDED_PORT}"`);
  const retentionDays = Number(env.SENSOR_RETENTION_DAYS ?? 730);
  if (!(retentionDays > 0)) throw new Error(`SENSOR_RETENTION_DAYS must be a positive number of days, got "${env.SENSOR_RETENTION_DAYS}"`);
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
    clientId: env.MQTT_CLIENT_ID || 'geoportal-sensor-ingest',
    retentionDays,
    alertRulesFile: env.SENSOR_ALERT_RULES || DEFAULT_RULES_FILE,
    feeds,
  };
}
