import { describe, expect, it } from 'vitest';
import { loadSensorConfig } from '../config.ts';

describe('sensor ingest settings', () => {
  it('gives each instance its own MQTT client id, stable across restarts, and a shared-subscription group', () => {
    const a = loadSensorConfig({ PORT: '3000' });
    const b = loadSensorConfig({ PORT: '3001' });
    expect(a.clientId).not.toBe(b.clientId);
    expect(loadSensorConfig({ PORT: '3000' }).clientId).toBe(a.clientId);
    expect(loadSensorConfig({}).clientId).toBe(a.clientId);
    expect(a.clientId).not.toBe('geoportal-sensor-ingest');
    expect(loadSensorConfig({ MQTT_CLIENT_ID: 'web-1' }).clientId).toBe('web-1');
    expect(a.shareGroup).toBe('geoportal');
    expect(loadSensorConfig({ MQTT_SHARE_GROUP: '' }).shareGroup).toBe('');
    expect(loadSensorConfig({ MQTT_TOPICS: 'application/7/device/+/event/up, v3/x/devices/+/up' }).topics).toEqual(['application/7/device/+/event/up', 'v3/x/devices/+/up']);
  });

  it('reads the plausible time window and refuses a wrong one', () => {
    const c = loadSensorConfig({ SENSOR_EPOCH: '2020-01-01T00:00:00Z', SENSOR_MAX_FUTURE_MIN: '5' });
    expect(c.epoch.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(c.maxFutureMinutes).toBe(5);
    expect(() => loadSensorConfig({ SENSOR_EPOCH: 'yesterday' })).toThrow(/SENSOR_EPOCH/);
    expect(() => loadSensorConfig({ SENSOR_MAX_FUTURE_MIN: '-1' })).toThrow(/SENSOR_MAX_FUTURE_MIN/);
  });
});
