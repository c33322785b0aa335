// OpenTelemetry tracing of ingest → evaluate → alert. Exported over OTLP/HTTP only when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; otherwise the API's
// no-op tracer makes every span free.
import { context, propagation, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { Collector } from '../collector/ingest.js';
import { IngestError } from '../collector/errors.js';

/**
 * slactl's tracer. It looks the tracer up for every span rather than holding one: the API's proxy
 * tracer binds to the first SDK it sees, so a server started after another one stopped (tests) would
 * keep writing to the stopped SDK.
 */
export const tracer: Tracer = {
  startSpan: (name, options, ctx) => trace.getTracer('slactl').startSpan(name, options, ctx),
  // Parameters<> takes the last overload, (name, options, context, fn), which accepts every call.
  startActiveSpan: ((...args: Parameters<Tracer['startActiveSpan']>) =>
    trace.getTracer('slactl').startActiveSpan(...args)) as Tracer['startActiveSpan'],
};

/** The process's one SDK, shared by every server started in it (tests start several). */
let running: { sdk: NodeSDK; users: number } | undefined;

/** Starts the SDK when an endpoint is configured; returns its shutdown, or undefined when off. */
export function startTracing(env: NodeJS.ProcessEnv): (() => Promise<void>) | undefined {
  // An empty variable counts as unset (the OTel spec), so an empty traces endpoint falls back.
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined || endpoint === '') return undefined;
  if (running === undefined) {
    const sdk = new NodeSDK({
      serviceName: env.OTEL_SERVICE_NAME ?? 'slactl',
      traceExporter: new OTLPTraceExporter(),
      // Only the spans slactl creates: no auto-instrumentation patching of http or express.
      instrumentations: [],
      // Traces only: left to its defaults the SDK would also push OTel metrics (every minute) and logs
      // to the same endpoint; slactl's metrics are on /metrics.
      metricReaders: [],
      logRecordProcessors: [],
      autoDetectResources: true,
    });
    sdk.start();
    running = { sdk, users: 0 };
  }
  const current = running;
  current.users++;
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    if (--current.users > 0) return;
    if (running === current) running = undefined;
    // Flushes the spans still batched, then unregisters the globals so a later start registers anew.
    await current.sdk.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  };
}

/** Runs `fn` in an active span that records a thrown error (with an ingest error's code) and ends. */
function inSpan<T>(name: string, attributes: Record<string, string>, fn: (span: Span) => T): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      if (error instanceof IngestError) span.setAttribute('slactl.error.code', error.code);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The collector with an `ingest` span around each batch: the first step of ingest → evaluate → alert. */
export class TracedCollector extends Collector {
  override ingestBody(text: string, contentType: string | undefined): { accepted: number } {
    return inSpan('ingest', { 'slactl.ingest.source': 'api' }, (span) => {
      const result = super.ingestBody(text, contentType);
      span.setAttribute('slactl.signals.accepted', result.accepted);
      return result;
    });
  }

  override ingestSignals(raw: readonly unknown[]): { accepted: number } {
    return inSpan('ingest', { 'slactl.ingest.source': 'api' }, (span) => {
      const result = super.ingestSignals(raw);
      span.setAttribute('slactl.signals.accepted', result.accepted);
      return result;
    });
  }

  override ingestOtlp(body: unknown): { accepted: number; ignored: number } {
    return inSpan('ingest', { 'slactl.ingest.source': 'otlp' }, (span) => {
      const result = super.ingestOtlp(body);
      span.setAttribute('slactl.signals.accepted', result.accepted);
      span.setAttribute('slactl.signals.ignored', result.ignored);
      return result;
    });
  }
}
