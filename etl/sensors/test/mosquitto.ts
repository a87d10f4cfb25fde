import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/**
 * Control of the machine's Mosquitto (127.0.0.1:1883) for the broker-restart
 * test: it runs as a daemon started with `mosquitto -d -c /etc/mosquitto/mosquitto.conf`.
 */
export const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';
const CONF = '/etc/mosquitto/mosquitto.conf';
const PIDFILE = '/run/mosquitto/mosquitto.pid';

export function portOpen(port = 1883, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function mosquittoPid(): number | undefined {
  if (existsSync(PIDFILE)) {
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    if (pid > 0 && alive(pid)) return pid;
  }
  const r = spawnSync('pgrep', ['-x', 'mosquitto'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Why the test cannot control the broker, or undefined when it can. */
export async function cannotControlBroker(): Promise<string | undefined> {
  if (!existsSync(CONF)) return `${CONF} not found (apt-get install mosquitto)`;
  if (spawnSync('mosquitto', ['-h']).error) return 'mosquitto binary not found';
  if (!(await portOpen())) return 'Mosquitto is not listening on 127.0.0.1:1883';
  const pid = mosquittoPid();
  if (!pid) return 'cannot find the Mosquitto process';
  try {
    process.kill(pid, 0);
  } catch {
    return `no permission to signal Mosquitto (pid ${pid})`;
  }
  return undefined;
}

/** SIGTERM (Mosquitto saves its persistence file on the way out), then start it again as a daemon. */
export async function restartMosquitto(): Promise<void> {
  const pid = mosquittoPid();
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) throw new Error(`Mosquitto (pid ${pid}) did not stop`);
  }
  await ensureMosquitto();
}

export async function ensureMosquitto(): Promise<void> {
  if (await portOpen()) return;
  execFileSync('mosquitto', ['-d', '-c', CONF]);
  for (let i = 0; i < 100; i++) {
    if (await portOpen()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('Mosquitto did not come back on 127.0.0.1:1883');
}
