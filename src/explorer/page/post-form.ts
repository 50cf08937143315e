/**
 * The page's form that posts a message to the runtime: Ctrl/Cmd+Enter posts too; a runtime
 * that answers 401 gets a token field, and the token is kept in this tab's memory only.
 */
import { api, ApiError, setToken } from './api.js';
import { h, shortHash } from './dom.js';
import { describe, view } from './view.js';

async function post(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  if (!view.tokenField.hidden) setToken(view.token.value);
  const button = view.form.querySelector('button')!;
  button.disabled = true;
  view.postResult.className = '';
  view.postResult.textContent = 'posting…';
  try {
    const answer = await api.post(view.message.value);
    view.postResult.className = 'ok';
    view.postResult.replaceChildren(
      'Committed. New head ',
      h('a', { class: 'hash', href: `chain/${answer.head}`, title: answer.head, 'data-head': answer.head }, shortHash(answer.head)),
    );
  } catch (err) {
    view.postResult.className = 'bad';
    const code = err instanceof ApiError ? err.code : 'ERROR';
    const message = err instanceof ApiError ? err.message : describe(err);
    view.postResult.replaceChildren(h('strong', {}, code), ` ${message}`);
    if (err instanceof ApiError && err.status === 401) {
      view.tokenField.hidden = false;
      view.postResult.append(h('br'), 'This runtime asks for a token: enter it and post again. It is kept in this tab’s memory only.');
      view.token.focus();
    }
  } finally {
    button.disabled = false;
  }
}

/** Wire the form once (a page that reloads the chain must not post twice). */
export function wirePostForm(): void {
  view.form.addEventListener('submit', (event) => void post(event));
  view.message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) view.form.requestSubmit();
  });
}
