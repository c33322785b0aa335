// The demo's remediation endpoints: what the runbooks' demo actions call. Each one is the simulated
// counterpart of a real fix (compact an index, retry a pipeline, scale a consumer group, roll back a
// schema or a deploy, fail the online store over) and heals exactly the faults that fix would heal, so
// an alert's run goes alert → action → recovery → resolved against the real evaluator.
import type { SlaPlan } from '../compile/ir.js';
import { DemoError, type Fault, type FaultKind } from './faults.js';
import { Rng } from './random.js';
import {
  MODEL_COMPONENTS,
  ONLINE_STORE_COMPONENT,
  serviceModel,
  type ServiceModel,
} from './service-model.js';
import type { DemoSimulator } from './simulator.js';

/** What a remediation acts on, besides the SLA: the body field that names it. */
export type SubjectField = 'index' | 'consumerGroup' | 'feature' | 'component';

export interface RemediationSpec {
  /** The body field naming what is acted on; absent when the whole SLA's service is. */
  subject?: SubjectField;
  /** What the real fix does, for the API's list. */
  description: string;
  /** The fault kinds this fix heals, given the subject (some fixes heal only the right subject). */
  heals: (subject: string | undefined) => readonly FaultKind[];
  /** Ends with a verification sweep of recall probes (an index rebuilt is checked, not trusted). */
  verifiesRecall?: true;
}

const MODEL_COMPONENT_NAMES: readonly string[] = MODEL_COMPONENTS;

/** Every remediation the demo offers, by the last path segment of its endpoint. */
export const REMEDIATIONS = {
  'compact-index': {
    subject: 'index',
    description:
      'Compacts a vector index: deleted vectors are purged and degraded segments rebuilt, so tombstones drop; a verification sweep of recall probes then confirms recall recovered.',
    heals: () => ['index_degradation', 'tombstone_buildup'],
    verifiesRecall: true,
  },
  'retry-pipeline': {
    description:
      "Retries the SLA's feature pipeline: it resumes from its last checkpoint and works through the backlog, so feature age and consumer lag fall.",
    heals: () => ['pipeline_stall'],
  },
  'scale-consumer-group': {
    subject: 'consumerGroup',
    description:
      'Adds consumers to a consumer group: the rebalance reassigns the stuck partitions and the extra consumers drain the lag.',
    heals: () => ['pipeline_stall'],
  },
  'rollback-schema': {
    subject: 'feature',
    description:
      "Pins a feature's producer to its previous schema version, so lookups of the feature stop returning null.",
    heals: () => ['schema_change_nulls'],
  },
  'rollback-feature-pipeline': {
    description:
      "Rolls the SLA's feature pipeline back to its previous release, undoing a transformation change that shifted feature distributions.",
    heals: () => ['feature_drift'],
  },
  'scale-component': {
    subject: 'component',
    description:
      'Scales out one serving-path component: more model replicas for a saturated model, more feature-serving replicas for a slow online store.',
    heals: (component) =>
      component === ONLINE_STORE_COMPONENT
        ? ['online_store_slowdown']
        : component !== undefined && MODEL_COMPONENT_NAMES.includes(component)
          ? ['model_slowdown']
          : [],
  },
  'failover-online-store': {
    description: "Fails the online feature store's reads over to its healthy replica.",
    heals: () => ['online_store_slowdown'],
  },
  'rollback-deploy': {
    description: "Rolls the SLA's service back to its previous release, which did not fail requests.",
    heals: () => ['error_spike'],
  },
} as const satisfies Record<string, RemediationSpec>;

export type RemediationName = keyof typeof REMEDIATIONS;

export const REMEDIATION_NAMES = Object.keys(REMEDIATIONS) as RemediationName[];

/** One remediation as the API lists it. */
export interface RemediationInfo {
  name: RemediationName;
  path: string;
  description: string;
  /** Body fields: always `sla`, and the subject's field when there is one. */
  fields: string[];
}

/** What a remediation did. */
export interface RemediationResult {
  remediation: RemediationName;
  sla: string;
  /** The subject field and value, when the remediation has one. */
  subject?: { field: SubjectField; value: string };
  /** The active faults the fix healed (none when nothing it fixes was wrong: a fix is safe to repeat). */
  healed: Fault[];
  message: string;
}

const SUBJECT_WORDS: Record<SubjectField, { noun: string; of: (m: ServiceModel) => string[] }> = {
  index: { noun: 'index', of: (m) => m.indexes.map((i) => i.index) },
  consumerGroup: { noun: 'consumer group', of: (m) => m.streams.map((s) => s.consumerGroup) },
  feature: {
    noun: 'feature',
    of: (m) => [...new Set([...m.freshness.map((f) => f.feature), ...m.nullFeatures, ...m.driftFeatures])],
  },
  component: { noun: 'component', of: (m) => m.components.map((c) => c.component) },
};

const UNKNOWN_CODES: Record<SubjectField, string> = {
  index: 'unknown_index',
  consumerGroup: 'unknown_consumer_group',
  feature: 'unknown_feature',
  component: 'unknown_component',
};

/**
 * Applies demo remediations to a simulator. With the SLA plans, SLAs and subjects are checked against
 * what each SLA has (404 for an unknown index); without them, the SLA must be one the demo simulates.
 */
export class DemoRemediation {
  private readonly models: Map<string, ServiceModel> | undefined;

  constructor(
    private readonly sim: DemoSimulator,
    plans?: readonly SlaPlan[],
  ) {
    if (typeof sim?.clearFault !== 'function')
      throw new TypeError('DemoRemediation: sim must be a DemoSimulator');
    // Only names matter here; the sizes the model draws at random are never used.
    this.models = plans ? new Map(plans.map((p) => [p.name, serviceModel(p, new Rng(0))])) : undefined;
  }

  /** Every remediation with its endpoint and body fields. */
  list(): RemediationInfo[] {
    return REMEDIATION_NAMES.map((name) => {
      const spec: RemediationSpec = REMEDIATIONS[name];
      return {
        name,
        path: `/api/v1/demo/remediate/${name}`,
        description: spec.description,
        fields: ['sla', ...(spec.subject !== undefined ? [spec.subject] : [])],
      };
    });
  }

  private checkSla(sla: string): void {
    const known = this.models
      ? [...this.models.keys()]
      : [...new Set(this.sim.faultKinds().flatMap((k) => k.appliesTo))];
    if (!known.includes(sla))
      throw new DemoError(
        404,
        'unknown_sla',
        `unknown SLA ${JSON.stringify(sla)} (${known.length > 0 ? `SLAs: ${known.sort().join(', ')}` : 'the demo simulates no SLAs'})`,
      );
  }

  private checkSubject(sla: string, field: SubjectField, value: string): void {
    const model = this.models?.get(sla);
    if (model === undefined) return;
    const { noun, of } = SUBJECT_WORDS[field];
    const known = of(model);
    if (!known.includes(value))
      throw new DemoError(
        404,
        UNKNOWN_CODES[field],
        `${sla} has no ${noun} ${JSON.stringify(value)} (${known.length > 0 ? `${noun === 'index' ? 'indexes' : `${noun}s`}: ${known.join(', ')}` : `it has no ${noun === 'index' ? 'indexes' : `${noun}s`}`})`,
      );
  }

  /** Runs one remediation: heals the faults the fix heals on that SLA (and subject) and says what it did. */
  apply(name: RemediationName, sla: string, subject?: string): RemediationResult {
    const spec: RemediationSpec = REMEDIATIONS[name];
    if (spec.subject !== undefined && subject === undefined)
      throw new DemoError(400, 'invalid_body', `${name} needs ${spec.subject}`);
    this.checkSla(sla);
    if (spec.subject !== undefined) this.checkSubject(sla, spec.subject, subject!);
    const healed: Fault[] = [];
    for (const kind of spec.heals(subject)) healed.push(...this.sim.clearFault(kind, sla));
    if (spec.verifiesRecall) this.sim.requestRecallSweep(sla);
    const what =
      spec.subject !== undefined
        ? `${name} on ${SUBJECT_WORDS[spec.subject].noun} ${subject!} of ${sla}`
        : `${name} on ${sla}`;
    return {
      remediation: name,
      sla,
      ...(spec.subject !== undefined ? { subject: { field: spec.subject, value: subject! } } : {}),
      healed,
      message:
        healed.length > 0
          ? `${what}: healed ${healed.map((f) => f.kind).join(', ')}`
          : `${what}: done; no fault it heals was active there`,
    };
  }
}
