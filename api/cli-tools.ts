import type { CliRunner } from './local-bridge.ts';
import { runEtlCli } from '../etl/cli.ts';
import { adminNeedsInput, runAdminCli } from './auth/cli.ts';

/** Command-line tools that can run against the database: directly or through the running server. */
export const TOOLS: Record<string, CliRunner> = { etl: runEtlCli, admin: runAdminCli };

/** Tools whose command reads standard input (a password): the CLI client reads it and forwards it. */
export const NEEDS_INPUT: Record<string, (argv: string[]) => boolean> = { admin: adminNeedsInput };
