import { context, trace, type Context } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto'
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'

// A small app instrumented with the official OpenTelemetry JS SDK, configured as docs/otlp.md tells a user to:
// the three OTLP/HTTP exporters pointed at the agent's listener. It runs inside the test process (a child process
// could not run TypeScript); nothing here knows about Outpost.

export interface AppRun {
  traceId: string
  rootSpanId: string
}

/** `http/json` uses the exporter-*-otlp-http packages, `http/protobuf` the exporter-*-otlp-proto ones. */
export type OtlpProtocol = 'http/json' | 'http/protobuf'

/**
 * Handles one "pump cycle": a parent span with two child spans, a counter, a histogram, and logs emitted inside
 * the spans with their trace context; then flushes and shuts the SDK down, as an app does on exit.
 */
export async function runPumpApp(agentUrl: string, protocol: OtlpProtocol, serviceName: string): Promise<AppRun> {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })
  const json = protocol === 'http/json'
  const traceExporter = json ? new JsonTraceExporter({ url: `${agentUrl}/v1/traces` }) : new ProtoTraceExporter({ url: `${agentUrl}/v1/traces` })
  const metricExporter = json ? new JsonMetricExporter({ url: `${agentUrl}/v1/metrics` }) : new ProtoMetricExporter({ url: `${agentUrl}/v1/metrics` })
  const logExporter = json ? new JsonLogExporter({ url: `${agentUrl}/v1/logs` }) : new ProtoLogExporter({ url: `${agentUrl}/v1/logs` })

  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(traceExporter)] })
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 })],
  })
  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(logExporter)] })

  const tracer = tracerProvider.getTracer('pump-app', '1.0.0')
  const meter = meterProvider.getMeter('pump-app', '1.0.0')
  const logger = loggerProvider.getLogger('pump.controller', '1.0.0')

  const cycles = meter.createCounter('pump.cycles', { description: 'Pump cycles run' })
  const duration = meter.createHistogram('pump.cycle.duration', { unit: 'ms', description: 'Time per pump cycle' })

  // Contexts are passed explicitly so the app needs no global context manager.
  const parent = tracer.startSpan('pump cycle', { attributes: { 'pump.id': 'p7' } })
  const parentCtx: Context = trace.setSpan(context.active(), parent)
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'cycle started', attributes: { 'pump.id': 'p7' }, context: parentCtx })
  for (const step of ['fill', 'drain']) {
    const child = tracer.startSpan(step, { attributes: { step } }, parentCtx)
    const childCtx = trace.setSpan(parentCtx, child)
    if (step === 'drain') {
      logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'drain slow', context: childCtx })
      child.addEvent('valve stuck', { valve: 'v2' })
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
    child.end()
  }
  cycles.add(1, { pump: 'p7' })
  cycles.add(2, { pump: 'p7' })
  duration.record(12, { pump: 'p7' })
  duration.record(180, { pump: 'p7' })
  duration.record(3, { pump: 'p7' })
  parent.end()

  await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()])
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()])
  return { traceId: parent.spanContext().traceId, rootSpanId: parent.spanContext().spanId }
}
