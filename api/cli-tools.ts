import type { CliRunner } from './local-bridge.ts';
import { runEtlCli } from '../etl/cli.ts';

/** Command-line tools that can run against the database: directly or through the running server. */
export const TOOLS: Record<string, CliRunner> = { etl: runEtlCli };
