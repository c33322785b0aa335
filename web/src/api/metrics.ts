// GET /metrics (Prometheus text, `read` scope): the dashboard reads the one series the JSON API does not
// serve yet, the HNSW index memory estimate `slactl_index_memory_bytes` (docs/metrics.md).
import { samplesOf, type Sample } from '../lib/prom-text';
import { ApiRequestError } from './http';

export async function fetchIndexMemory(service: string, signal?: AbortSignal): Promise<Sample[]> {
  let res: Response;
  try {
    res = await fetch('/metrics', { credentials: 'same-origin', ...(signal ? { signal } : {}) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiRequestError(0, 'network_error', 'the server cannot be reached');
  }
  if (!res.ok) throw new ApiRequestError(res.status, `http_${res.status}`, `/metrics answered ${res.status}`);
  return samplesOf(await res.text(), 'slactl_index_memory_bytes').filter((s) => s.labels.service === service);
}
