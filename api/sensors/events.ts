import { EventEmitter } from 'node:events';
import type { Database } from '../../sql/connection.ts';
import { SENSOR_CHANNEL, type SensorEvent } from '../../etl/sensors/store.ts';

/**
 * One LISTEN per process on the sensor channel, fanned out to every SSE
 * client. Events come from the database (NOTIFY on commit), so every API
 * instance sees the ingest of any instance.
 */
export class SensorEventHub {
  private readonly emitter = new EventEmitter();
  private unlisten: Promise<() => Promise<void>> | undefined;

  constructor(private readonly database: Database) {
    this.emitter.setMaxListeners(0);
  }

  private ensure(): Promise<() => Promise<void>> {
    this.unlisten ??= this.database.listen(SENSOR_CHANNEL, (payload) => {
      try {
        this.emitter.emit('event', JSON.parse(payload) as SensorEvent);
      } catch {
        /* a malformed notification is ignored */
      }
    });
    return this.unlisten;
  }

  subscribe(listener: (e: SensorEvent) => void): () => void {
    void this.ensure();
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** resolves once the LISTEN is in place */
  async ready(): Promise<void> {
    await this.ensure();
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    if (this.unlisten) await (await this.unlisten)();
  }
}
