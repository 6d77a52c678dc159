import { html, type SafeHtml } from '../html.js';

/** One labelled input. Errors and hints are tied to it with `aria-describedby` (WCAG 3.3.1, 1.3.1). */
export interface FieldOptions {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly type: 'text' | 'password';
  readonly autocomplete: string;
  readonly value?: string;
  readonly hint?: string;
  /** id of an error message elsewhere on the page that describes this field. */
  readonly errorId?: string;
  readonly inputmode?: 'numeric' | 'text';
  readonly pattern?: string;
  readonly maxlength?: number;
  readonly autofocus?: boolean;
  readonly autocapitalize?: 'none' | 'characters';
}

export function field(o: FieldOptions): SafeHtml {
  const hintId = o.hint ? `${o.id}-hint` : undefined;
  const describedBy = [o.errorId, hintId].filter(Boolean).join(' ');
  return html`<label for="${o.id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
<input id="${o.id}" name="${o.name}" type="${o.type}" autocomplete="${o.autocomplete}" required${
    o.value !== undefined ? html` value="${o.value}"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${
    o.errorId ? html` aria-invalid="true"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${
    o.pattern ? html` pattern="${o.pattern}"` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${
    o.autocapitalize ? html` autocapitalize="${o.autocapitalize}"` : ''}${o.type === 'text' ? html` spellcheck="false"` : ''}${
    o.autofocus ? html` autofocus` : ''}>`;
}

/** The error paragraph that fields point to; `role="alert"` so screen readers announce it after a POST. */
export function errorMessage(id: string, message: string | undefined): SafeHtml | '' {
  return message ? html`<p class="error" id="${id}" role="alert">${message}</p>` : '';
}

export function csrfInput(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf_token" value="${token}">`;
}
