import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';

/**
 * A Mosquitto of the scenario's own (a child process on one of its ports, with
 * its own persistence file), so a scenario can kill and restart the broker
 * without touching the machine's shared broker on 1883.
 */
export interface PrivateBroker {
  url: string;
  /** SIGTERM (Mosquitto saves its persistence file on the way out), wait */
  stop(): Promise<void>;
  /** SIGKILL: the broker dies with whatever it held in memory */
  kill9(): Promise<void>;
  /** start again on the same port with the same persistence file */
  start(): Promise<void>;
}

export function mosquittoMissing(): string | undefined {
  return spawnSync('mosquitto', ['-h']).error ? 'the mosquitto binary is not installed (apt-get install mosquitto)' : undefined;
}

/** Whether something accepts TCP connections on the port of 127.0.0.1. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Its files (configuration, persistence, log) go to a new directory under the system's temporary directory. */
export async function startPrivateBroker(port: number): Promise<PrivateBroker & { dir: string }> {
  const missing = mosquittoMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-fault-mosquitto-'));
  // started as root, Mosquitto drops to the user `mosquitto`, which must still write its persistence file here
  chmodSync(dir, 0o777);
  const conf = join(dir, 'mosquitto.conf');
  // persistence as the Debian package configures it; the autosave keeps a SIGKILL's loss to what is in flight
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1', 'autosave_on_changes true', `log_dest file ${dir}/mosquitto.log`, 'max_queued_messages 10000', ''].join('\n'),
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    if (await portOpen(port)) throw new Error(`port ${port} is taken; cannot start the scenario's broker`);
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await portOpen(port)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the scenario's Mosquitto did not start on ${port} (see ${dir}/mosquitto.log)`);
  };
  const end = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  return { url: `mqtt://127.0.0.1:${port}`, dir, start, stop: () => end('SIGTERM'), kill9: () => end('SIGKILL') };
}
