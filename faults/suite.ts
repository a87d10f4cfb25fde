import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FaultScenario } from './scenario.ts';

const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

/** Every scenario of faults/scenarios (one file each, default export), in file-name order. */
export async function loadScenarios(only: string[] = []): Promise<FaultScenario[]> {
  const files = readdirSync(SCENARIOS_DIR).filter((f) => /\.ts$/.test(f) && !f.endsWith('.test.ts')).sort();
  const list: FaultScenario[] = [];
  for (const f of files) {
    const s = (await import(pathToFileURL(join(SCENARIOS_DIR, f)).href)).default as FaultScenario;
    if (!s?.name || typeof s.run !== 'function') throw new Error(`faults/scenarios/${f}: the default export is not a FaultScenario`);
    if (only.length === 0 || only.includes(s.name)) list.push(s);
  }
  return list;
}

/** The ports a run may use: FAULTS_PORTS="3110-3119" (default). */
export function faultPorts(env: NodeJS.ProcessEnv = process.env): number[] {
  const m = /^(\d+)-(\d+)$/.exec(env.FAULTS_PORTS ?? '3110-3119');
  if (!m || Number(m[2]) - Number(m[1]) < 3) throw new Error(`FAULTS_PORTS must be a range of at least 4 ports, e.g. 3110-3119, got "${env.FAULTS_PORTS}"`);
  const ports: number[] = [];
  for (let p = Number(m[1]); p <= Number(m[2]); p++) ports.push(p);
  return ports;
}

/** One report line: what the scenario is, and what was lost (goal: nothing). */
export function reportLine(s: FaultScenario, r: { lost: string[]; facts: string[] } | { error: string }): string {
  if ('error' in r) return `ERROR ${s.name.padEnd(28)} the scenario itself failed: ${r.error}`;
  const lost = r.lost.length ? r.lost.join('; ') : 'nothing';
  return `${r.lost.length ? 'LOST ' : 'ok   '} ${s.name.padEnd(28)} lost: ${lost}${r.facts.length ? ` | ${r.facts.join(', ')}` : ''}`;
}
