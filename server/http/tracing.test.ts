// OpenTelemetry tracing of ingest → evaluate → alert: `slactl serve` with OTEL_EXPORTER_OTLP_ENDPOINT
// exports its spans over OTLP/HTTP to a receiver; without the variable the tracer stays the API's no-op.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../test-support/process.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { tracer } from './tracing.js';

/** One POST the receiver got: its path, content type and body. */
interface Export {
  path: string;
  contentType: string;
  body: string;
}

/** A minimal OTLP/HTTP receiver: records every request and answers 200 with an empty response. */
async function startReceiver(): Promise<{ server: Server; url: string; exports: Export[] }> {
  const exports: Export[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports };
}

/** OTLP JSON ExportTraceServiceRequest, the parts read here. @see https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding */
interface TraceRequest {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ scope: { name: string }; spans: Array<{ name: string; traceId: string }> }>;
  }>;
}

/** Every exported span as service name, scope and span name. */
function spansOf(exports: Export[]): Array<{ service: string; scope: string; name: string }> {
  return exports
    .filter((e) => e.path === '/v1/traces')
    .flatMap((e) =>
      (JSON.parse(e.body) as TraceRequest).resourceSpans.flatMap((rs) => {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        return rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((s) => ({ service, scope: ss.scope.name, name: s.name })),
        );
      }),
    );
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Sets (or, for undefined, removes) variables of this process until the test ends. */
function setEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    const before = process.env[name];
    cleanups.push(() => {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    });
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

describe('tracing', () => {
  it('exports ingest, evaluate and alert spans over OTLP/HTTP JSON when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => new Promise((resolve) => receiver.server.close(resolve)));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-tracing-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const p: ServerProcess = await spawnServer(['--data-dir', dir, '--no-demo'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      OTEL_SERVICE_NAME: undefined,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      SLACTL_EVALUATION_INTERVAL: '1s',
    });
    cleanups.push(() => p.child.exitCode === null && p.child.kill('SIGKILL'));

    // A consumer group with lag that consumes nothing: StreamStalled goes pending at the next evaluation.
    const res = await fetch(`${p.url}/api/v1/signals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        signals: [
          {
            type: 'stream',
            service: 'recs-api',
            consumerGroup: 'feature-pipeline',
            lag: 5000,
            consumeRate: 0,
            produceRate: 100,
          },
        ],
      }),
    });
    expect(res.status).toBe(202);

    const deadline = Date.now() + 15_000;
    const wanted = ['alert', 'evaluate', 'ingest'];
    let names: string[] = [];
    while (Date.now() < deadline) {
      names = [...new Set(spansOf(receiver.exports).map((s) => s.name))].sort();
      if (wanted.every((n) => names.includes(n))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(names).toEqual(wanted);
    const spans = spansOf(receiver.exports);
    expect(new Set(spans.map((s) => `${s.service}/${s.scope}`))).toEqual(new Set(['slactl/slactl']));
    // The exporter speaks OTLP/HTTP JSON, and only traces go to the endpoint.
    expect(new Set(receiver.exports.map((e) => `${e.path} ${e.contentType}`))).toEqual(
      new Set(['/v1/traces application/json']),
    );

    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('stays off without OTEL_EXPORTER_OTLP_ENDPOINT: the server’s spans are the no-op tracer’s', async () => {
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined });
    const t: TestServer = await startTestServer();
    cleanups.push(() => t.stop());
    const span = tracer.startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(trace.getTracerProvider().getTracer('slactl').startSpan('probe').isRecording()).toBe(false);
  });

  it('records spans in process while an endpoint is set, and stops when the server closes', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => new Promise((resolve) => receiver.server.close(resolve)));
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined });
    const t = await startTestServer();
    const running = tracer.startSpan('probe');
    expect(running.isRecording()).toBe(true);
    running.end();
    await t.stop();
    // Shutdown flushed the batch (the startup evaluation and the probe) and unregistered the SDK.
    expect(spansOf(receiver.exports).map((s) => s.name)).toEqual(
      expect.arrayContaining(['evaluate', 'probe']),
    );
    expect(tracer.startSpan('after').isRecording()).toBe(false);
  });
});
