import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fromRoot } from '../../schemas/paths.ts';

/** The official XSD set, copied into the repository (etl/dtm/README.md); never read from outside it. */
export const XSD_DIR = fromRoot('etl', 'dtm', 'xsd-1.4.3');
export const INDEX_XSD = join(XSD_DIR, 'index', 'index_data.xsd');

export interface XsdResult {
  valid: boolean;
  /** xmllint's error lines (file name replaced by "-"), without the schema's namespace warnings */
  errors: string[];
}

export class XmllintMissing extends Error {
  constructor() {
    super('xmllint is not installed (Debian: apt-get install libxml2-utils); a JVF DTM file is not handed out unvalidated');
  }
}

/**
 * Checks a JVF file against index_data.xsd with xmllint (libxml2), the first check a regional DTM
 * runs on a delivery. The XSDs use relative namespace URIs ("objtyp", "atr"), which libxml2 warns
 * about; those warnings are not errors and are dropped.
 */
export function validateJvf(xml: string): Promise<XsdResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('xmllint', ['--noout', '--nonet', '--schema', INDEX_XSD, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 1_000_000) stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new XmllintMissing() : e));
    child.on('close', (code) => {
      const errors = stderr
        .split('\n')
        .filter((l) => /(^-:\d+: |^-: ).*(error|fails)/i.test(l) && !/namespace warning/.test(l))
        .slice(0, 50);
      if (code === 0) resolve({ valid: true, errors: [] });
      else if (code === 3 || code === 4 || code === 1) resolve({ valid: false, errors: errors.length > 0 ? errors : [stderr.trim().split('\n').slice(-3).join(' ')] });
      else reject(new Error(`xmllint exited with ${code}: ${stderr.slice(-500)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(xml);
  });
}
