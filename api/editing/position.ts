import { sql, type RawBuilder } from 'kysely';
import { POSITION_MEMBER, type Position } from '../../schemas/position.ts';

export { POSITION_MEMBER };

/**
 * The `position` member of a feature (schemas/position.ts) from a layer row `alias`: an object, or
 * JSON null when the way the location was captured is unknown.
 */
export function positionJson(alias: string): RawBuilder<unknown> {
  const src = sql.ref(`${alias}.position_source`);
  const acc = sql.ref(`${alias}.position_accuracy_m`);
  return sql`CASE WHEN ${src} IS NULL THEN NULL ELSE json_build_object('source', ${src}, 'accuracy_m', ${acc}::float8) END`;
}

/**
 * SET clauses of an update: the position given with the write, or, when none was given, the stored one
 * while the geometry stays (`geometryKept`), nothing once the feature moved without saying how.
 */
export function positionSets(given: Position | null | undefined, geometryKept: RawBuilder<unknown>): RawBuilder<unknown>[] {
  if (given !== undefined)
    return [sql`position_source = ${given?.source ?? null}::text`, sql`position_accuracy_m = ${given?.accuracy_m ?? null}::numeric`];
  return [
    sql`position_source = CASE WHEN ${geometryKept} THEN position_source ELSE NULL END`,
    sql`position_accuracy_m = CASE WHEN ${geometryKept} THEN position_accuracy_m ELSE NULL END`,
  ];
}
