// The runbook routes through the running server with the repo's runbooks.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

interface ActionJson {
  id: string;
  auto: boolean;
  approval: string;
  spec: { kind: string; target?: string };
  status: { unavailable: string | null; breaker: { open: boolean } } | null;
}

describe('runbook routes', () => {
  it('lists every runbook with its actions, policies and live state, and serves one with its Markdown', async () => {
    t = await startTestServer({ demo: true });
    const list = (await (await t.api('/api/v1/runbooks')).json()) as {
      data: Array<{ id: string; triggers: string[]; actions: ActionJson[] }>;
    };
    const ids = list.data.map((r) => r.id);
    expect(ids).toContain('vector-index-degradation');
    expect(ids).toContain('embedding-model-migration');
    const vector = list.data.find((r) => r.id === 'vector-index-degradation')!;
    expect(vector.triggers).toContain('VectorRecallBelowTarget');
    const compact = vector.actions.find((a) => a.id === 'compact-index')!;
    expect(compact).toMatchObject({ auto: true, spec: { kind: 'http', target: 'demo' } });
    // The demo target is defined by the server: the action can run, its breaker is closed.
    expect(compact.status).toMatchObject({ unavailable: null, breaker: { open: false } });

    const one = await t.api('/api/v1/runbooks/vector-index-degradation');
    expect(one.status).toBe(200);
    const body = (await one.json()) as { data: { markdown: string; sections: Record<string, string> } };
    expect(Object.keys(body.data.sections).sort()).toEqual(['diagnosis', 'impact', 'meaning', 'mitigation']);
    expect(body.data.markdown).toContain('## Mitigation');

    const missing = await t.api('/api/v1/runbooks/nope');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await t.api('/api/v1/runbooks', { token: null })).status).toBe(401);
  });
});
