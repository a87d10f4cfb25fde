import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import type { ToolIo } from '../local-bridge.ts';
import { isRole, type Role } from './principal.ts';
import { checkEmail, checkPassword, checkRoleSpec, createUser, findUserByEmail, listUsers, setPassword, setRole, type RoleSpec } from './users.ts';

const USAGE = `usage:
  npm run admin -- user add <email> --role admin|department_editor|municipality_editor|reader|plan_admin [--layer <id>]… [--municipality <RÚIAN code>]
      (the password is read from standard input: typed without echo, or piped)
  npm run admin -- user list
  npm run admin -- user set-role <email> --role … [--layer <id>]… [--municipality <code>]
  npm run admin -- user passwd <email>    (new password from standard input)`;

/** Commands that read a password from standard input (the CLI client reads it, the bridge forwards it). */
export function adminNeedsInput(argv: string[]): boolean {
  return argv[0] === 'user' && (argv[1] === 'add' || argv[1] === 'passwd');
}

function roleSpec(values: { role?: string; layer?: string[]; municipality?: string }): RoleSpec & { raw: { role: string; layers?: unknown; municipalityCode?: unknown } } {
  const role = values.role ?? '';
  const municipalityCode = values.municipality === undefined ? undefined : Number(values.municipality);
  return {
    role: (isRole(role) ? role : 'reader') as Role,
    layers: values.layer,
    municipalityCode,
    raw: { role, layers: values.layer, municipalityCode },
  };
}

export async function runAdminCli(argv: string[], db: Kysely<any>, io: ToolIo): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== 'user' || !command) {
    io.err(USAGE);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { role: { type: 'string' }, layer: { type: 'string', multiple: true }, municipality: { type: 'string' } },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  switch (command) {
    case 'list': {
      for (const u of await listUsers(db)) {
        const scope = u.role === 'municipality_editor' ? ` obec ${u.municipality_code}` : u.role === 'department_editor' ? ` vrstvy ${u.layers.join(',')}` : '';
        io.out(`${u.id}\t${u.email}\t${u.role}${scope}${u.disabled ? '\t(zablokován)' : ''}`);
      }
      return 0;
    }
    case 'add':
    case 'set-role': {
      const email = positionals[0];
      if (!email || !values.role) {
        io.err(USAGE);
        return 2;
      }
      const spec = roleSpec(values);
      const problems = [...(await checkRoleSpec(db, spec.raw))];
      if (command === 'add') {
        const bad = checkEmail(email);
        if (bad) problems.push(bad);
        if (await findUserByEmail(db, email)) problems.push(`a user ${email} already exists (use set-role)`);
        const password = (io.input ?? '').replace(/\r?\n$/, '');
        const weak = checkPassword(password, email);
        if (weak) problems.push(`${weak} (pipe it or type it on standard input)`);
        if (problems.length) {
          for (const p of problems) io.err(p);
          return 1;
        }
        const u = await createUser(db, email, password, spec);
        io.out(`user ${u.id} ${u.email} created with role ${u.role}`);
        return 0;
      }
      const u = await findUserByEmail(db, email);
      if (!u) problems.push(`no user ${email}`);
      if (problems.length) {
        for (const p of problems) io.err(p);
        return 1;
      }
      await setRole(db, u!.id, spec);
      io.out(`user ${u!.email} now has role ${spec.role}`);
      return 0;
    }
    case 'passwd': {
      const email = positionals[0];
      const u = email ? await findUserByEmail(db, email) : undefined;
      if (!u) {
        io.err(email ? `no user ${email}` : USAGE);
        return email ? 1 : 2;
      }
      const password = (io.input ?? '').replace(/\r?\n$/, '');
      const weak = checkPassword(password, u.email);
      if (weak) {
        io.err(weak);
        return 1;
      }
      await setPassword(db, u.id, password);
      io.out(`password of ${u.email} changed; their sessions ended and their API tokens were revoked`);
      return 0;
    }
    default:
      io.err(USAGE);
      return 2;
  }
}

/**
 * Reads the password on the client side: without echo on a terminal, else the
 * first line of piped input. It is sent only to the local server, never printed.
 */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let data = '';
    for await (const c of stdin) data += String(c);
    return data.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (fn: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      fn();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(value));
        if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
