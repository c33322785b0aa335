// `slactl token create|list|revoke`: manages API tokens in the data dir's store (works while the server
// runs: SQLite allows a second connection, and the server looks tokens up in the database).
import path from 'node:path';
import { createToken, parseScopes } from '../http/auth.js';
import { DATABASE_FILE } from '../main.js';
import { openStore } from '../store/store.js';
import { UsageError, type Io } from './io.js';

export interface TokenOptions {
  action: string | undefined;
  args: string[];
  dataDir: string;
  name?: string;
  scopes?: string;
  format: 'text' | 'json';
}

export function tokenCommand(io: Io, options: TokenOptions): number {
  const { action } = options;
  if (action !== 'create' && action !== 'list' && action !== 'revoke')
    throw new UsageError('token needs an action: create, list or revoke');
  const dataDir = path.resolve(io.cwd, options.dataDir);
  const store = openStore({ path: path.join(dataDir, DATABASE_FILE) });
  try {
    const now = Date.now();
    switch (action) {
      case 'create': {
        if (options.name === undefined || options.name.trim() === '')
          throw new UsageError('token create needs --name <name>, e.g. --name prometheus');
        let scopes;
        try {
          scopes = parseScopes(options.scopes ?? '');
        } catch (error) {
          throw new UsageError(`--scopes: ${(error as Error).message}`);
        }
        const { secret, record } = createToken(store, options.name.trim(), scopes, now);
        if (options.format === 'json')
          io.out(`${JSON.stringify({ id: record.id, name: record.name, scopes, token: secret })}\n`);
        else io.out(`${secret}\n`);
        if (options.format === 'text')
          io.err(
            `created token ${record.id} (${record.name}; scopes ${scopes.join(', ')}); it is shown only once\n`,
          );
        return 0;
      }
      case 'list': {
        const tokens = store.listTokens().map((t) => ({
          id: t.id,
          name: t.name,
          scopes: t.scopes,
          createdAt: new Date(t.createdAt).toISOString(),
          ...(t.revokedAt === undefined ? {} : { revokedAt: new Date(t.revokedAt).toISOString() }),
        }));
        if (options.format === 'json') {
          io.out(`${JSON.stringify(tokens)}\n`);
          return 0;
        }
        if (tokens.length === 0) io.out('no tokens\n');
        for (const t of tokens)
          io.out(
            `${t.id}  ${t.name}  [${t.scopes.join(',')}]  created ${t.createdAt}${t.revokedAt ? `  REVOKED ${t.revokedAt}` : ''}\n`,
          );
        return 0;
      }
      case 'revoke': {
        const [id] = options.args;
        if (id === undefined) throw new UsageError('token revoke needs the token id (slactl token list)');
        if (!store.revokeToken(id, now)) {
          io.err(`slactl: no live token with id ${id}\n`);
          return 1;
        }
        io.out(`revoked ${id}\n`);
        return 0;
      }
    }
  } finally {
    store.close();
  }
}
