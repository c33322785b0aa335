// Entry point of a compile worker thread (see compile-pool.ts): checks and compiles the chunks it is sent,
// one at a time, and answers each with its result or the error it threw.
import { parentPort } from 'node:worker_threads';
import { compileChunk, transferables, type ChunkReply, type ChunkRequest } from './compile-chunk.js';

const port = parentPort;
if (port === null) throw new Error('compile-worker runs as a worker thread, started by compile-pool');

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

port.on('message', (request: ChunkRequest) => {
  try {
    const result = compileChunk(request.sources, request.settings, request.target);
    const reply: ChunkReply = { id: request.id, result };
    // The files' bytes (each in memory of its own, see fileBytes) move to the main thread uncopied.
    port.postMessage(reply, transferables(result));
  } catch (error) {
    // Compiling threw, or the result could not be cloned: either is a bug the main thread reports.
    const reply: ChunkReply = { id: request.id, error: describe(error) };
    port.postMessage(reply);
  }
});
