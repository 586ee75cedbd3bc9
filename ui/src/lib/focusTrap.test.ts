import { afterEach, describe, expect, it, vi } from 'vitest';
import { trapFocus } from './focusTrap';

afterEach(() => {
  document.body.innerHTML = '';
});

function dialog(): { outside: HTMLButtonElement; node: HTMLElement; first: HTMLButtonElement; last: HTMLInputElement } {
  const outside = document.createElement('button');
  const node = document.createElement('div');
  const first = document.createElement('button');
  const hidden = document.createElement('button');
  hidden.disabled = true;
  const last = document.createElement('input');
  node.append(first, hidden, last);
  document.body.append(outside, node);
  outside.focus();
  return { outside, node, first, last };
}

describe('trapFocus', () => {
  it('focuses the first control, wraps Tab both ways, and gives the focus back', () => {
    const { outside, node, first, last } = dialog();
    const trap = trapFocus(node, {});
    expect(document.activeElement).toBe(first);
    last.focus();
    const tab = new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true });
    last.dispatchEvent(tab);
    expect(tab.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(first);
    first.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', shiftKey: true, bubbles: true, cancelable: true }));
    expect(document.activeElement).toBe(last);
    trap?.destroy?.();
    expect(document.activeElement).toBe(outside);
  });

  it('starts on the element marked data-autofocus, and asks to close on Escape', () => {
    const { node, last } = dialog();
    last.setAttribute('data-autofocus', '');
    const onescape = vi.fn();
    trapFocus(node, { onescape });
    expect(document.activeElement).toBe(last);
    last.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    expect(onescape).toHaveBeenCalledTimes(1);
  });
});
