import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED, redactSecrets } from './redact.js';

/** [1, <hole>, 3]. */
function withHole(): unknown[] {
  const list: unknown[] = [1];
  list[2] = 3;
  return list;
}

describe('isSecretKey', () => {
  it.each([
    'token',
    'Token',
    'accessToken',
    'access_token',
    'refresh-token',
    'bearerTokens',
    'secret',
    'clientSecret',
    'client_secret_value',
    'password',
    'dbPassword',
    'passwd',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'Set-Cookie',
    'apiKey',
    'api_key',
    'x-api-key',
    'privateKey',
    'private_key',
    'credentials',
  ])('%s names a secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'tokenId',
    'token_id',
    'tokenName',
    'tokenCount',
    'keyId',
    'key',
    'monkey',
    'author',
    'passage',
    'secretary',
    'runId',
    '',
  ])('%s does not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('redactSecrets', () => {
  it('replaces secret values at any depth, in objects and arrays, and keeps the rest', () => {
    const data = {
      tokenId: 'tok-1',
      request: {
        url: 'https://ops.example/scale',
        headers: { Authorization: 'Bearer abc', 'Content-Type': 'application/json' },
        body: [{ password: 'hunter2', user: 'ops' }],
      },
      accessToken: { value: 'nested secrets go too' },
      apiKeys: ['sk-1', 'sk-2'],
      keyIds: ['k1'],
    };
    expect(redactSecrets(data)).toEqual({
      tokenId: 'tok-1',
      request: {
        url: 'https://ops.example/scale',
        headers: { Authorization: REDACTED, 'Content-Type': 'application/json' },
        body: [{ password: REDACTED, user: 'ops' }],
      },
      accessToken: REDACTED,
      apiKeys: REDACTED,
      keyIds: ['k1'],
    });
    // The writer's object is not changed.
    expect(data.request.headers.Authorization).toBe('Bearer abc');
  });

  it('keeps absent, empty and yes/no values visible', () => {
    expect(redactSecrets({ token: null, secret: '', hasPassword: true, password: false, apiKey: 0 })).toEqual(
      {
        token: null,
        secret: '',
        hasPassword: true,
        password: false,
        apiKey: REDACTED,
      },
    );
  });

  it('keeps a __proto__ key as data', () => {
    const data = JSON.parse('{"__proto__":{"token":"x","n":1}}') as Record<string, unknown>;
    const out = redactSecrets(data);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(out['__proto__']).toEqual({ token: REDACTED, n: 1 });
  });

  it('leaves cycles, holes and non-plain values for canonical JSON to refuse', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const out = redactSecrets({ c: cyclic, when: new Date(0), list: withHole() });
    expect(out.when).toBeInstanceOf(Date);
    expect(1 in (out.list as unknown[])).toBe(false);
    expect((out.c as Record<string, unknown>).self).toBe(cyclic);
  });
});
