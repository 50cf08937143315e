/**
 * GET /explorer: the chain explorer page, served from `dist/src/explorer/page/`: the scripts
 * are src/explorer/page/'s TypeScript as tsc compiled it (plain ES modules, no bundle
 * needed), the HTML, CSS and icon that folder's files as `npm run build` copied them beside
 * (scripts/copy-assets.mjs).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';

const page = fileURLToPath(new URL('./page/', import.meta.url));
const ASSETS = ['explorer.css', 'favicon.svg'];

/** The page loads nothing but itself and talks to nothing but its own runtime. */
const CONTENT_SECURITY_POLICY = ["default-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"].join('; ');

function secure(res: Response): void {
  res.set({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
}

export function explorerRouter(): express.Router {
  const router = express.Router({ strict: true });
  router.use('/explorer', (_req, res, next) => {
    secure(res);
    next();
  });
  router.get('/explorer', (_req, res) => res.sendFile(path.join(page, 'index.html')));
  // The page's relative links resolve against /explorer; from /explorer/ they would miss.
  router.get('/explorer/', (_req, res) => res.redirect(301, '../explorer'));
  for (const asset of ASSETS) router.get(`/explorer/${asset}`, (_req, res) => res.sendFile(path.join(page, asset)));
  router.use('/explorer', express.static(page, { index: false, redirect: false, fallthrough: true }));
  return router;
}
