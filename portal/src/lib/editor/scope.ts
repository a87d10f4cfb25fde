import { layers, type LayerSchema } from '$schemas/index.ts';
import type { User } from '$lib/auth/client.ts';

/**
 * The layers the user may edit (mirrors api/auth/principal.ts canEditLayer; the server decides).
 * Land-use plan layers are legal documents: offered only to the plan administrator.
 */
export function editableLayers(user: User): LayerSchema[] {
  return layers.filter((l) => {
    if (l.theme === 'landuse') return user.role === 'plan_admin';
    // ÚAP data change only by a provider's delivery (etl/uap), never in the editor
    if (l.theme === 'territorial-analysis') return false;
    switch (user.role) {
      case 'plan_admin':
        return false;
      case 'admin':
        return true;
      case 'department_editor':
        return user.layers.includes(l.id);
      case 'municipality_editor':
        return l.perMunicipality;
      case 'reader':
        return false;
    }
  });
}

/** The pasport preferred when several are editable: street lights, then waste sites, then the first. */
export function defaultLayer(list: LayerSchema[]): LayerSchema | undefined {
  return list.find((l) => l.id === 'svetelne-body') ?? list.find((l) => l.id === 'stanoviste-trideneho-odpadu') ?? list[0];
}

/** Whether the user may open this feature in the editor (mirrors the server's scope check; the server decides). */
export function canEditFeature(user: User, layer: LayerSchema, props: Record<string, unknown>): boolean {
  if (!editableLayers(user).some((l) => l.id === layer.id)) return false;
  return user.role !== 'municipality_editor' || props.obec_kod === user.municipalityCode;
}

export type DrawMode = 'point' | 'linestring' | 'polygon';

export function drawModeOf(layer: LayerSchema): DrawMode {
  if (layer.geometryType.endsWith('Point')) return 'point';
  if (layer.geometryType.endsWith('LineString')) return 'linestring';
  return 'polygon';
}
