// Keeps the keyboard inside a modal dialog: focus moves in on open (the element marked
// `data-autofocus`, else the first focusable one), Tab and Shift+Tab wrap around, Escape asks
// to close, and the focus returns on close to where it was, so a keyboard user does not land
// at the top of the window.

import type { Action } from 'svelte/action';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

export type TrapOptions = {
  /** Called on Escape; the owner closes the dialog. */
  onescape?: () => void;
};

function focusables(node: HTMLElement): HTMLElement[] {
  return [...node.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('[inert], [hidden]'));
}

export const trapFocus: Action<HTMLElement, TrapOptions | undefined> = (node, initial) => {
  let options = initial ?? {};
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;

  const start = node.querySelector<HTMLElement>('[data-autofocus]') ?? focusables(node)[0] ?? node;
  if (start === node && !node.hasAttribute('tabindex')) node.tabIndex = -1;
  start.focus();

  function onkeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape' && options.onescape) {
      event.preventDefault();
      event.stopPropagation();
      options.onescape();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = focusables(node);
    if (items.length === 0) {
      event.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !node.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !node.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  node.addEventListener('keydown', onkeydown);
  return {
    update(next) {
      options = next ?? {};
    },
    destroy() {
      node.removeEventListener('keydown', onkeydown);
      if (previous?.isConnected) previous.focus();
    },
  };
};
