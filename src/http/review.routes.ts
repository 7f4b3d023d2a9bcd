// Pages a reviewer can open in a browser (no key, like /openapi.json: they show the rules, not
// data): GET /docs renders the OpenAPI document (swagger-ui-dist, served from this process, no
// CDN), GET /matrix renders the access matrix computed from the schema SpiceDB serves.
import express, { type Router } from 'express';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { z } from 'zod';
import { computeMatrix, renderHtml } from '../review/access-matrix.js';
import type { AuthzStore } from '../domain/store-port.js';
import { route, type RouteSpec } from './route.js';

/** pages load their own scripts and styles (swagger-ui sets inline styles) and nothing else */
const PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rac-authz API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/**
 * the swagger-ui-dist files, served read-only under /docs/assets (no redirect of a directory to
 * its slash: the redirect would echo the request's query string)
 */
export function docsAssets(): Router {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return express.Router().use('/docs/assets', express.static(dir, { index: false, fallthrough: false, maxAge: '1h', redirect: false }));
}

/** a private, empty store loaded with `schemaText`, for GET /matrix to ask (closed after) */
export type ScratchStore = (schemaText: string) => Promise<AuthzStore>;

export function reviewRoutes(servedSchema: () => string | undefined, scratchStore: ScratchStore | undefined): RouteSpec[] {
  let computing: { schema: string; html: Promise<string> } | undefined;
  const html = z.string();
  return [
    route({
      method: 'get',
      path: '/docs',
      tag: 'review',
      summary: 'The OpenAPI document, rendered for reading',
      responses: { 200: { description: 'HTML page', contentType: 'text/html', schema: html } },
      handler: (_req, res) => {
        res.set('Content-Security-Policy', PAGE_CSP).type('html').send(DOCS_PAGE);
      },
    }),
    route({
      method: 'get',
      path: '/docs/init.js',
      tag: 'review',
      summary: 'The script that points the rendered page at /openapi.json',
      responses: { 200: { description: 'JavaScript', contentType: 'text/javascript', schema: html } },
      handler: (_req, res) => {
        res.type('text/javascript').send(DOCS_INIT);
      },
    }),
    route({
      method: 'get',
      path: '/matrix',
      tag: 'review',
      summary: 'The access matrix, computed from the schema SpiceDB serves, as an HTML table',
      responses: {
        200: { description: 'HTML page', contentType: 'text/html', schema: html },
        503: { description: 'the schema is not loaded yet (or this process has no scratch store to compute it in)' },
      },
      handler: async (_req, res) => {
        const schema = servedSchema();
        if (!schema || !scratchStore) {
          res.status(503).type('text/plain').send(scratchStore ? 'the schema is not loaded yet' : 'the matrix is not available here');
          return;
        }
        // one computation per schema, shared by the requests that arrive while it runs (each would
        // otherwise start an engine of its own); a failed one is not kept
        if (computing?.schema !== schema) {
          const html = (async () => {
            const scratch = await scratchStore(schema);
            try {
              return renderHtml(await computeMatrix(scratch));
            } finally {
              await scratch.close();
            }
          })();
          const entry = { schema, html };
          computing = entry;
          html.catch(() => {
            if (computing === entry) computing = undefined;
          });
        }
        const page = await computing.html;
        res.set('Content-Security-Policy', PAGE_CSP).type('html').send(page);
      },
    }),
  ];
}
