// Syntax checks of user-written PromQL with the official Prometheus grammar (@prometheus-io/lezer-promql).
import { parser } from '@prometheus-io/lezer-promql';

export const WINDOW_PLACEHOLDER = '{{window}}';
/** Same length as the placeholder, so offsets in the substituted query match the original. */
const WINDOW_STAND_IN = '999999999s';

/** A syntax error at an offset of the query text. */
export interface PromqlError {
  offset: number;
  message: string;
}

/** Parses a PromQL expression and returns its first syntax error, if any. */
export function findPromqlError(query: string): PromqlError | undefined {
  if (query.trim() === '') return { offset: 0, message: 'empty PromQL expression' };
  const text = query.split(WINDOW_PLACEHOLDER).join(WINDOW_STAND_IN);
  const tree = parser.parse(text);
  let found: PromqlError | undefined;
  tree.iterate({
    enter: (node) => {
      if (found) return false;
      if (node.type.isError) {
        // An error at the very end points at the last character written, not past trailing blank lines.
        const offset = Math.min(node.from, Math.max(0, query.trimEnd().length - 1));
        const near = text.slice(node.from, node.to) || text.slice(node.from, node.from + 12);
        found = {
          offset,
          message:
            node.from >= text.length
              ? 'unexpected end of PromQL expression'
              : `PromQL syntax error near ${JSON.stringify(near.split(WINDOW_STAND_IN).join(WINDOW_PLACEHOLDER))}`,
        };
        return false;
      }
      return undefined;
    },
  });
  return found;
}

/** Checks a label-matcher list such as `job="recs",code!~"5.."` by parsing it inside a selector. */
export function findSelectorError(selector: string): PromqlError | undefined {
  const prefix = 'x{';
  const error = findPromqlError(`${prefix}${selector}}`);
  if (!error) return undefined;
  return {
    offset: Math.max(0, Math.min(error.offset - prefix.length, selector.length)),
    message: error.message,
  };
}
