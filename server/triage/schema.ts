// The decision-tree file as a Zod schema: the document and its nodes. Conditions (`when`) are recursive
// and told apart by which key they hold, so condition.ts checks them by hand with the same diagnostics.
import { z } from 'zod';

export const TREE_API_VERSION = 'slactl/v1';
export const TREE_KIND = 'DecisionTree';

/** Lowercase words joined by dots: `latency`, `quality.recall.tombstones`. */
export const NODE_ID_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
/** Runbook ids are file names: `runbooks/<id>.md`. */
export const RUNBOOK_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

const nodeId = z.string().regex(NODE_ID_PATTERN, {
  error: 'is not a node id: lowercase words joined by dots, e.g. latency.vector_search',
});

export const nodeSchema = z.strictObject({
  id: nodeId,
  question: z.string().refine((s) => s.trim() !== '', {
    error: 'the question is empty',
    params: { code: 'empty_question', hint: 'write the question this node answers' },
  }),
  when: z.unknown().optional(),
  children: z.array(nodeId).optional(),
  runbook: z
    .string()
    .regex(RUNBOOK_ID_PATTERN, { error: 'is not a runbook id: lowercase letters, digits and dashes' })
    .optional(),
  context: z.array(z.string()).optional(),
});

export const treeSchema = z.strictObject({
  apiVersion: z.literal(TREE_API_VERSION),
  kind: z.literal(TREE_KIND),
  metadata: z.strictObject({
    name: z.string().regex(NAME_PATTERN, { error: 'is not a name: lowercase letters, digits and dashes' }),
    description: z.string().optional(),
  }),
  root: z.array(nodeId),
  nodes: z.array(nodeSchema),
});

export type TreeDocument = z.infer<typeof treeSchema>;
export type NodeDocument = z.infer<typeof nodeSchema>;
