// HTTP routes of the demo: list, inject and clear faults, and the remediation endpoints the demo's
// runbooks call. Errors are ApiErrors, answered by the app's error middleware in the API's one error shape.
import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { ApiError, type ErrorDetail } from '../http/errors.js';
import type { SlaPlan } from '../compile/ir.js';
import { FAULT_KINDS } from './faults.js';
import { DemoRemediation, REMEDIATIONS, REMEDIATION_NAMES, type RemediationSpec } from './remediation.js';
import type { DemoSimulator } from './simulator.js';

const KIND_MESSAGE = `expected one of ${FAULT_KINDS.join(', ')}`;
const kind = z.enum(FAULT_KINDS, { error: KIND_MESSAGE });
const sla = z.string({ error: 'expected an SLA name' }).min(1, { error: 'expected an SLA name' });

const injectBody = z.strictObject({ kind, sla });
const clearBody = z.strictObject({ kind: kind.optional(), sla: sla.optional() });

/** Names of indexes, features, components and consumer groups: what alert labels carry. */
const SUBJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const subjectName = (field: string) =>
  z
    .string({ error: `expected the name of the ${field}` })
    .regex(SUBJECT_PATTERN, { error: `expected the name of the ${field} (letters, digits, _ . : -)` });

/** The body schema of a remediation: the SLA, and the subject field when the fix has one. */
function remediationBody(spec: RemediationSpec): z.ZodType<Record<string, string>> {
  const shape: Record<string, z.ZodType<string>> = { sla };
  if (spec.subject !== undefined) shape[spec.subject] = subjectName(spec.subject);
  return z.strictObject(shape);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Parses a body with a schema or throws a 400 naming every offending field. */
function parse<T>(schema: z.ZodType<T>, input: unknown, what: string, fields = 'kind and sla'): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(', '), message: `unknown field (${what} takes ${fields})` };
    }
    const field = issue.path.map(String).join('.') || undefined;
    const value = field === undefined ? input : (input as Record<string, unknown> | undefined)?.[field];
    const received = value === undefined ? 'missing' : `got ${preview(value)}`;
    const message =
      issue.code === 'invalid_type' && field === undefined ? 'expected a JSON object' : issue.message;
    return { ...(field !== undefined ? { field } : {}), message: `${message} (${received})` };
  });
  const summary = details
    .map((d) => (d.field !== undefined ? `${d.field}: ${d.message}` : d.message))
    .join('; ');
  throw new ApiError(400, 'invalid_body', `invalid ${what}: ${summary}`, details);
}

/**
 * The demo's routes under /api/v1/demo; `guards` are the app's scope checks. With the SLA plans, the
 * remediation endpoints answer 404 for an index, feature, component or consumer group the SLA lacks.
 */
export function demoRouter(
  sim: DemoSimulator,
  guards: { read: RequestHandler; operate: RequestHandler },
  options: { plans?: readonly SlaPlan[] } = {},
): Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb' });
  const remediation = new DemoRemediation(sim, options.plans);

  router.get('/api/v1/demo/faults', guards.read, (_req, res) => {
    res.json({ faults: sim.faults(), kinds: sim.faultKinds() });
  });

  router.post('/api/v1/demo/faults', guards.operate, json, (req, res) => {
    const body = parse(injectBody, req.body, 'fault');
    res.status(201).json({ fault: sim.injectFault(body.kind, body.sla) });
  });

  router.delete('/api/v1/demo/faults', guards.operate, json, (req, res) => {
    const hasBody =
      req.body !== undefined &&
      !(typeof req.body === 'object' && Object.keys(req.body as object).length === 0);
    const input = hasBody ? (req.body as unknown) : { ...req.query };
    const filter = parse(clearBody, input, 'fault filter');
    res.json({ cleared: sim.clearFault(filter.kind, filter.sla) });
  });

  router.get('/api/v1/demo/remediations', guards.read, (_req, res) => {
    res.json({ remediations: remediation.list() });
  });

  for (const name of REMEDIATION_NAMES) {
    const spec: RemediationSpec = REMEDIATIONS[name];
    const fields = spec.subject !== undefined ? `sla and ${spec.subject}` : 'sla';
    const schema = remediationBody(spec);
    router.post(`/api/v1/demo/remediate/${name}`, guards.operate, json, (req, res) => {
      const body = parse(schema, req.body, `${name} request`, fields);
      const subject = spec.subject !== undefined ? body[spec.subject] : undefined;
      res.json({ result: remediation.apply(name, body.sla!, subject) });
    });
  }

  return router;
}
