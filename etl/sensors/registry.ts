import { sql, type Kysely } from 'kysely';
import { getLayer, tableName } from '../../schemas/index.ts';

export const SENSOR_LAYER_ID = 'senzory';

export interface SensorRecord {
  id: string;
  name: string;
  devEui: string | null;
  feedId: string | null;
  deviceType: string;
  site: string | null;
  intervalMin: number;
  municipality: number | null;
  quantities: string[];
  /** state shown on the map (maintained by the ingest) */
  stav: string | null;
  lon: number;
  lat: number;
}

/** The sensor layer's table; the name comes from the schema registry, never from input. */
export function sensorTable() {
  return sql.table(tableName(getLayer(SENSOR_LAYER_ID)!));
}

export async function loadSensors(db: Kysely<any>): Promise<SensorRecord[]> {
  const r = await sql<{
    source_id: string;
    nazev: string;
    dev_eui: string | null;
    feed_id: string | null;
    typ_zarizeni: string;
    lokalita: string | null;
    interval_min: number | null;
    municipality_code: number | null;
    veliciny: string | null;
    stav: string | null;
    lon: number;
    lat: number;
  }>`SELECT source_id, nazev, dev_eui, feed_id, typ_zarizeni, lokalita, interval_min, municipality_code, veliciny, stav,
        ST_X(geom) AS lon, ST_Y(geom) AS lat FROM ${sensorTable()} ORDER BY source_id`.execute(db);
  return r.rows.map((x) => ({
    id: x.source_id,
    name: x.nazev,
    devEui: x.dev_eui ? x.dev_eui.toUpperCase() : null,
    feedId: x.feed_id,
    deviceType: x.typ_zarizeni,
    site: x.lokalita,
    intervalMin: x.interval_min ?? 60,
    municipality: x.municipality_code,
    stav: x.stav,
    quantities: (x.veliciny ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    lon: x.lon,
    lat: x.lat,
  }));
}

/**
 * In-memory lookup by EUI and feed id, reloaded at most every `maxAgeMs` when a
 * device is not found (a sensor registered a minute ago is found without a restart).
 */
export class SensorRegistry {
  private byEui = new Map<string, SensorRecord>();
  private byFeed = new Map<string, SensorRecord>();
  private byId = new Map<string, SensorRecord>();
  private loadedAt = 0;

  constructor(
    private readonly db: Kysely<any>,
    private readonly maxAgeMs = 30_000,
  ) {}

  async reload(): Promise<void> {
    const all = await loadSensors(this.db);
    this.byEui = new Map(all.filter((s) => s.devEui).map((s) => [s.devEui!, s]));
    this.byFeed = new Map(all.filter((s) => s.feedId).map((s) => [s.feedId!, s]));
    this.byId = new Map(all.map((s) => [s.id, s]));
    this.loadedAt = Date.now();
  }

  private async fresh(found: boolean): Promise<void> {
    if (this.loadedAt === 0 || (!found && Date.now() - this.loadedAt > this.maxAgeMs)) await this.reload();
  }

  async findByEui(eui: string): Promise<SensorRecord | undefined> {
    await this.fresh(this.byEui.has(eui));
    return this.byEui.get(eui);
  }

  async findByFeed(feedId: string): Promise<SensorRecord | undefined> {
    await this.fresh(this.byFeed.has(feedId));
    return this.byFeed.get(feedId);
  }

  get(id: string): SensorRecord | undefined {
    return this.byId.get(id);
  }

  async all(): Promise<SensorRecord[]> {
    await this.fresh(true);
    return [...this.byId.values()];
  }
}
