// The ceiling: a bare Express 5 JSON route, in the same process settings as rac-authz (one
// Node process, the same JSON body parser, served by the same HTTP server: createHttpServer, whose
// requests are made with the app's prototypes), answering what /v1/check answers without asking
// anyone. With BENCH_BARE_ANSWER=turn it answers as rac-authz's check endpoints do (sendJson: the
// answers of one event-loop turn written together at its end), for the row that shows what the
// ceiling itself gains from that (bench.ts).
import express from 'express';
import { sendJson } from '../../src/http/route.js';
import { createHttpServer } from '../../src/http/server.js';

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '1mb' }));
const atTurnEnd = process.env.BENCH_BARE_ANSWER === 'turn';
app.post('/v1/check', (req, res) => {
  const answer = { allowed: typeof req.body?.rep === 'string', checkedAt: 'bare' };
  if (atTurnEnd) sendJson(res, answer);
  else res.json(answer);
});
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ready' });
});
const server = createHttpServer(app).listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => process.stdout.write('READY\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
