import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getQuantity } from './quantities.ts';
import { fromRoot } from '../../schemas/paths.ts';

export type Op = '<' | '<=' | '>' | '>=' | '==';

export interface Condition {
  quantity: string;
  op: Op;
  value: number;
}

export interface AlertRule {
  id: string;
  label: { cs: string; en: string };
  severity: 'info' | 'warning' | 'critical';
  all: Condition[];
  sensors?: string[];
  deviceTypes?: string[];
}

export interface AlertRules {
  staleFactor: number;
  rules: AlertRule[];
}

/** The built-in stale rule (no data for longer than the sensor's interval × staleFactor). */
export const STALE_RULE: Omit<AlertRule, 'all'> = {
  id: 'stale',
  label: { cs: 'Senzor se nehlásí', en: 'Sensor not reporting' },
  severity: 'warning',
};

export const DEFAULT_RULES_FILE = fromRoot('etl', 'sensors', 'alert-rules.json');

const OPS: Record<Op, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
};

/** Reads and checks the rules file; a wrong file stops the start with a message naming the rule. */
export function loadAlertRules(path = DEFAULT_RULES_FILE): AlertRules {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<AlertRules>;
  const staleFactor = raw.staleFactor ?? 2;
  if (typeof staleFactor !== 'number' || !(staleFactor > 0)) throw new Error(`${path}: staleFactor must be a positive number`);
  if (!Array.isArray(raw.rules)) throw new Error(`${path}: rules must be a list`);
  const ids = new Set<string>();
  for (const r of raw.rules) {
    if (!r || typeof r.id !== 'string' || !/^[a-z0-9-]+$/.test(r.id) || r.id === STALE_RULE.id) throw new Error(`${path}: bad rule id ${JSON.stringify(r?.id)}`);
    if (ids.has(r.id)) throw new Error(`${path}: duplicate rule id ${r.id}`);
    ids.add(r.id);
    if (!Array.isArray(r.all) || r.all.length === 0) throw new Error(`${path}: rule ${r.id} needs conditions in "all"`);
    for (const c of r.all) {
      if (!getQuantity(c.quantity)) throw new Error(`${path}: rule ${r.id}: unknown quantity ${c.quantity}`);
      if (!(c.op in OPS)) throw new Error(`${path}: rule ${r.id}: unknown operator ${c.op}`);
      if (typeof c.value !== 'number') throw new Error(`${path}: rule ${r.id}: value must be a number`);
    }
  }
  return { staleFactor, rules: raw.rules };
}

export interface SensorForRules {
  id: string;
  deviceType: string;
  site: string | null;
  intervalMin: number;
}

/**
 * The rules a sensor fires, with a readable detail. `values` are the sensor's
 * latest values merged with its site's (its own winning); a rule belongs to the
 * sensor that measures its first quantity itself (`own`), so a site raises one
 * ice alert (on the road sensor), not one per member.
 */
export function firingRules(sensor: SensorForRules, values: Map<string, number>, rules: AlertRules, own: Set<string>): { rule: AlertRule; detail: string }[] {
  const out: { rule: AlertRule; detail: string }[] = [];
  for (const rule of rules.rules) {
    if (!own.has(rule.all[0]!.quantity)) continue;
    if (rule.sensors && !rule.sensors.includes(sensor.id)) continue;
    if (rule.deviceTypes && !rule.deviceTypes.includes(sensor.deviceType)) continue;
    const parts: string[] = [];
    let all = true;
    for (const c of rule.all) {
      const v = values.get(c.quantity);
      if (v === undefined || !OPS[c.op](v, c.value)) {
        all = false;
        break;
      }
      const d = getQuantity(c.quantity)!;
      parts.push(`${c.quantity} ${v.toFixed(d.decimals)} ${d.unit} ${c.op} ${c.value}`);
    }
    if (all) out.push({ rule, detail: parts.join(', ') });
  }
  return out;
}
