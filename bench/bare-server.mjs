// The ceiling for the ingest benchmark: a bare Node HTTP server that only reads and parses the same
// bodies (JSON.parse) and answers 202, with no validation, storage or auth.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ accepted: body.signals.length }));
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
