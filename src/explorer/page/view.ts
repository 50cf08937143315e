/**
 * The page's elements, found once by id (index.html names them), and what every part of the
 * page uses to report: the live indicator and an error's text.
 */
import { ApiError } from './api.js';
import { byId } from './dom.js';

/** The page's elements. */
export const view = {
  live: byId('live'),
  componentHash: byId('component-hash'),
  head: byId<HTMLAnchorElement>('head'),
  length: byId('length'),
  storage: byId('storage'),
  state: byId('state'),
  summary: byId('check-summary'),
  verifyCommand: byId('verify-command'),
  history: byId('history'),
  older: byId<HTMLButtonElement>('older'),
  form: byId<HTMLFormElement>('post'),
  message: byId<HTMLTextAreaElement>('message'),
  tokenField: byId('token-field'),
  token: byId<HTMLInputElement>('token'),
  postResult: byId('post-result'),
};

export function describe(err: unknown): string {
  return err instanceof ApiError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
}

export function setLive(text: string, ok: boolean): void {
  view.live.textContent = text;
  view.live.classList.toggle('down', !ok);
}
