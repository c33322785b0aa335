import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { samplesOf } from './prom-text';

const TEXT = `# HELP slactl_index_memory_bytes HNSW memory estimate
# TYPE slactl_index_memory_bytes gauge
slactl_index_memory_bytes{service="recs-api",index="products"} 3328599654.4
slactl_index_memory_bytes{service="search-api",index="a \\"quoted\\" one"} 1e3
slactl_index_memory_bytes_total{service="x"} 9
slactl_index_memory_bytes{broken 1
slactl_index_vectors{service="recs-api",index="products"} 500000
`;

describe('samplesOf', () => {
  it('reads the samples of one metric with their labels', () => {
    expect(samplesOf(TEXT, 'slactl_index_memory_bytes')).toEqual([
      { labels: { service: 'recs-api', index: 'products' }, value: 3328599654.4 },
      { labels: { service: 'search-api', index: 'a "quoted" one' }, value: 1000 },
    ]);
  });

  it('reads +Inf and a sample without labels', () => {
    expect(samplesOf('m +Inf\nm{a="1"} -Inf 1700000000000\n', 'm')).toEqual([
      { labels: {}, value: Infinity },
      { labels: { a: '1' }, value: -Infinity },
    ]);
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(
          Array.isArray(samplesOf(`slactl_index_memory_bytes${text}`, 'slactl_index_memory_bytes')),
        ).toBe(true);
      }),
    );
  });
});
