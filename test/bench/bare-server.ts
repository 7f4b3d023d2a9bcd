// The ceiling: a bare Express 5 JSON route, in the same process settings as rac-authz (one
// Node process, the same JSON body parser, served by the same HTTP server: createHttpServer, whose
// requests are made with the app's prototypes), answering what /v1/check answers without asking
// anyone.
import express from 'express';
import { createHttpServer } from '../../src/http/server.js';

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '1mb' }));
app.post('/v1/check', (req, res) => {
  res.json({ allowed: typeof req.body?.rep === 'string', checkedAt: 'bare' });
});
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ready' });
});
const server = createHttpServer(app).listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => process.stdout.write('READY\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
