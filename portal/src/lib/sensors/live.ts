import type { AlertChange, SensorState } from './api.ts';

export interface LiveHandlers {
  onLatest(states: SensorState[]): void;
  onAlerts(changes: AlertChange[]): void;
  /** the server could not fit an event into one notification: reload everything */
  onRefresh(): void;
  onStatus(connected: boolean): void;
}

/** Server-Sent Events from /api/alerts/stream; EventSource reconnects by itself. Returns a closer. */
export function connectLive(h: LiveHandlers): () => void {
  const es = new EventSource('/api/alerts/stream');
  es.addEventListener('open', () => h.onStatus(true));
  es.addEventListener('error', () => h.onStatus(false));
  es.addEventListener('hello', () => h.onStatus(true));
  es.addEventListener('latest', (e) => h.onLatest(JSON.parse((e as MessageEvent<string>).data) as SensorState[]));
  es.addEventListener('alerts', (e) => h.onAlerts(JSON.parse((e as MessageEvent<string>).data) as AlertChange[]));
  es.addEventListener('refresh', () => h.onRefresh());
  return () => es.close();
}
