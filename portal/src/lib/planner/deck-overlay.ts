/**
 * deck.gl overlays of the planner view. This module is only ever imported
 * dynamically from /planovani, so deck.gl never reaches the citizens' map bundle
 * (portal/test/pages.e2e.test.ts checks the scripts the map page loads).
 */
import { MapboxOverlay } from '@deck.gl/mapbox';
import { HexagonLayer } from '@deck.gl/aggregation-layers';
import { ColumnLayer } from '@deck.gl/layers';
import type { Map as MlMap, IControl } from 'maplibre-gl';

export interface DensityInput {
  positions: [number, number][];
  /** hexagon radius in metres */
  radius: number;
}
export interface ColumnInput {
  points: { position: [number, number]; value: number; label: string }[];
  max: number;
}

// cold to hot (ColorBrewer YlOrRd, colour-blind safe)
const RAMP: [number, number, number][] = [[255, 255, 178], [254, 217, 118], [254, 178, 76], [253, 141, 60], [240, 59, 32], [189, 0, 38]];

export class PlannerOverlay {
  private overlay = new MapboxOverlay({ interleaved: false, layers: [] });
  private density: DensityInput | null = null;
  private columns: ColumnInput | null = null;

  constructor(private map: MlMap) {
    map.addControl(this.overlay as unknown as IControl);
  }

  setDensity(d: DensityInput | null): void {
    this.density = d;
    this.render();
  }
  setColumns(c: ColumnInput | null): void {
    this.columns = c;
    this.render();
  }

  private render(): void {
    const out = [];
    if (this.density)
      out.push(
        new HexagonLayer<[number, number]>({
          id: 'density',
          data: this.density.positions,
          getPosition: (p) => p,
          radius: this.density.radius,
          colorRange: RAMP,
          opacity: 0.7,
          extruded: false,
          pickable: false,
        }),
      );
    if (this.columns) {
      const max = this.columns.max || 1;
      out.push(
        new ColumnLayer<ColumnInput['points'][number]>({
          id: 'sensor-columns',
          data: this.columns.points,
          getPosition: (p) => p.position,
          getElevation: (p) => (p.value / max) * 1500,
          getFillColor: (p) => RAMP[Math.min(RAMP.length - 1, Math.floor((p.value / max) * (RAMP.length - 1)))]!,
          radius: 60,
          extruded: true,
          pickable: false,
        }),
      );
    }
    this.overlay.setProps({ layers: out });
  }

  remove(): void {
    this.map.removeControl(this.overlay as unknown as IControl);
  }
}
