import { describe, expect, it } from 'vitest';
import { EMPTY_SELECTION, click, extend, focusOnly, moveTo, selectAll, selectOne, sortedIndexes, toggle } from './selection';

describe('selection', () => {
  it('selects one row on a plain click, replacing what was selected', () => {
    const s = click(selectAll([0, 1, 2, 3]), 2, {});
    expect(sortedIndexes(s)).toEqual([2]);
    expect(s.anchor).toBe(2);
    expect(s.focus).toBe(2);
  });

  it('toggles rows with Ctrl or Cmd', () => {
    let s = click(EMPTY_SELECTION, 1, {});
    s = click(s, 4, { ctrlKey: true });
    s = click(s, 6, { metaKey: true });
    expect(sortedIndexes(s)).toEqual([1, 4, 6]);
    s = toggle(s, 4);
    expect(sortedIndexes(s)).toEqual([1, 6]);
    expect(s.focus).toBe(4);
  });

  it('extends from the anchor with Shift, in both directions, the anchor staying put', () => {
    let s = click(EMPTY_SELECTION, 5, {});
    s = click(s, 8, { shiftKey: true });
    expect(sortedIndexes(s)).toEqual([5, 6, 7, 8]);
    s = click(s, 3, { shiftKey: true });
    expect(sortedIndexes(s)).toEqual([3, 4, 5]);
    expect(s.anchor).toBe(5);
    expect(s.focus).toBe(3);
  });

  it('adds a range to the selection with Ctrl+Shift', () => {
    let s = click(EMPTY_SELECTION, 0, {});
    s = click(s, 5, { ctrlKey: true });
    s = click(s, 7, { ctrlKey: true, shiftKey: true });
    expect(sortedIndexes(s)).toEqual([0, 5, 6, 7]);
  });

  it('moves with the arrows, Shift extending step by step', () => {
    let s = selectOne(2);
    s = moveTo(s, 3, { shiftKey: true });
    s = moveTo(s, 4, { shiftKey: true });
    expect(sortedIndexes(s)).toEqual([2, 3, 4]);
    s = moveTo(s, 3, { shiftKey: true });
    expect(sortedIndexes(s)).toEqual([2, 3]);
    s = moveTo(s, 9, {});
    expect(sortedIndexes(s)).toEqual([9]);
  });

  it('starts a Shift range at the row itself when nothing was chosen', () => {
    expect(sortedIndexes(extend(EMPTY_SELECTION, 4))).toEqual([4]);
  });

  it('selects all the rows given, keeping the focus', () => {
    const s = selectAll([0, 1, 2, 3, 4], selectOne(3));
    expect(sortedIndexes(s)).toEqual([0, 1, 2, 3, 4]);
    expect(s.focus).toBe(3);
    expect(selectAll([0, 1]).focus).toBe(0);
  });

  it('moves the keyboard alone with Ctrl+arrows, then Ctrl+Space picks the row reached', () => {
    let s = selectOne(1);
    s = focusOnly(s, 2);
    s = focusOnly(s, 3);
    expect(sortedIndexes(s)).toEqual([1]);
    expect(s.focus).toBe(3);
    s = toggle(s, s.focus);
    expect(sortedIndexes(s)).toEqual([1, 3]);
  });
});
