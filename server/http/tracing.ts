// OpenTelemetry tracing of ingest → evaluate → alert. Exported over OTLP/HTTP only when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; otherwise the API's
// no-op tracer makes every span free.
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

export const tracer: Tracer = trace.getTracer('slactl');

/** Starts the SDK when an endpoint is configured; returns its shutdown, or undefined when off. */
export function startTracing(env: NodeJS.ProcessEnv): (() => Promise<void>) | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined || endpoint === '') return undefined;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? 'slactl',
    traceExporter: new OTLPTraceExporter(),
    // Only the spans slactl creates: no auto-instrumentation patching of http or express.
    instrumentations: [],
    autoDetectResources: true,
  });
  sdk.start();
  return () => sdk.shutdown();
}
