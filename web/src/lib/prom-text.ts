// Reads one metric out of the Prometheus text exposition (/metrics), for values the JSON API does not
// serve yet (the HNSW index memory estimate). https://prometheus.io/docs/instrumenting/exposition_formats/
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** The samples of `metric` in an exposition text; malformed lines are skipped. */
export function samplesOf(text: string, metric: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const m = LINE.exec(line.trim());
    if (!m || m[1] !== metric) continue;
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    let lm: RegExpExecArray | null;
    while ((lm = LABEL.exec(body)) !== null) {
      labels[lm[1]!] = unescape(lm[2]!);
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) continue;
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') continue;
    out.push({ labels, value });
  }
  return out;
}
