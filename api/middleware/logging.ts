import pino, { type Logger } from 'pino';
import type { Context, Next } from 'koa';

/** The structured logger (JSON lines on stdout); LOG_LEVEL sets the level, tests default to silent. */
export function createLogger(level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ level, base: { service: 'geoportal' } });
}

/** One log line per request: method, path, status, duration, client; query strings are not logged (they may be long). */
export function requestLogger(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = ctx.status;
      const line = { method: ctx.method, path: ctx.path, status, ms: Math.round((performance.now() - started) * 10) / 10, ip: ctx.ip };
      if (status >= 500) log.error(line, 'request');
      else if (status >= 400) log.warn(line, 'request');
      else log.info(line, 'request');
    }
  };
}
