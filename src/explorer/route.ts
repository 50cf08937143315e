/**
 * GET /explorer: the chain explorer page. The HTML, CSS and icon are served from
 * `src/explorer/page/` (shipped as they are); the scripts are the same folder's TypeScript
 * as tsc compiled it into `dist/src/explorer/page/` (plain ES modules, no bundle needed).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';

const scripts = fileURLToPath(new URL('./page/', import.meta.url));
const assets = fileURLToPath(new URL('../../../src/explorer/page/', import.meta.url));
const ASSETS = ['explorer.css', 'favicon.svg'];

/** The page loads nothing but itself and talks to nothing but its own runtime. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): void {
  res.set({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
}

export function explorerRouter(): express.Router {
  const router = express.Router({ strict: true });
  router.use('/explorer', (_req, res, next) => {
    secure(res);
    next();
  });
  router.get('/explorer', (_req, res) => res.sendFile(path.join(assets, 'index.html')));
  // The page's relative links resolve against /explorer; from /explorer/ they would miss.
  router.get('/explorer/', (_req, res) => res.redirect(301, '../explorer'));
  for (const asset of ASSETS) router.get(`/explorer/${asset}`, (_req, res) => res.sendFile(path.join(assets, asset)));
  router.use('/explorer', express.static(scripts, { index: false, redirect: false, fallthrough: true }));
  return router;
}
