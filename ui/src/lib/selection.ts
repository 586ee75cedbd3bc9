// Multiple selection in a list, the way desktop mail clients do it, as pure functions over row
// indexes (no DOM): a plain click or arrow selects one row; Ctrl/Cmd+click toggles one row;
// Shift+click or Shift+arrow selects the range from the anchor (the last row chosen without
// Shift) to the row reached, Ctrl+Shift adding that range to what was already selected; Ctrl+A
// selects every row given; Ctrl+arrows move the keyboard without changing the selection and
// Ctrl+Space toggles the row reached (the WAI-ARIA listbox way to pick rows apart from the
// keyboard). `focus` is the row the keyboard is on and the one the reader shows.

export type Selection = {
  /** Where a Shift range starts. -1 when nothing was chosen yet. */
  anchor: number;
  /** The row last reached (clicked or moved to). -1 when none. */
  focus: number;
  indexes: ReadonlySet<number>;
  /** What was selected when the anchor was set, kept under a Ctrl+Shift range. */
  base: ReadonlySet<number>;
};

export const EMPTY_SELECTION: Selection = { anchor: -1, focus: -1, indexes: new Set(), base: new Set() };

/** Modifier keys as a click or a key press gives them (Cmd counts as Ctrl on macOS). */
export type Modifiers = { ctrlKey?: boolean; metaKey?: boolean; shiftKey?: boolean };

function range(from: number, to: number): number[] {
  const low = Math.min(from, to);
  const high = Math.max(from, to);
  return Array.from({ length: high - low + 1 }, (_, k) => low + k);
}

/** Only `index` is selected; it becomes the anchor. */
export function selectOne(index: number): Selection {
  return { anchor: index, focus: index, indexes: new Set([index]), base: new Set() };
}

/** Adds `index` to the selection or takes it out; it becomes the anchor either way. */
export function toggle(selection: Selection, index: number): Selection {
  const indexes = new Set(selection.indexes);
  if (indexes.has(index)) indexes.delete(index);
  else indexes.add(index);
  return { anchor: index, focus: index, indexes, base: indexes };
}

/** The range from the anchor to `index` (the anchor is `index` itself when there is none);
 * with `keep`, added to what was selected when the anchor was set. */
export function extend(selection: Selection, index: number, keep = false): Selection {
  const anchor = selection.anchor < 0 ? index : selection.anchor;
  const indexes = new Set(keep ? selection.base : []);
  for (const i of range(anchor, index)) indexes.add(i);
  return { anchor, focus: index, indexes, base: selection.base };
}

/** Every row given (the loaded ones): the focus stays where it was. */
export function selectAll(indexes: Iterable<number>, selection: Selection = EMPTY_SELECTION): Selection {
  const all = new Set(indexes);
  const first = Math.min(...all);
  const focus = selection.focus >= 0 ? selection.focus : all.size > 0 ? first : -1;
  return { anchor: selection.anchor >= 0 ? selection.anchor : focus, focus, indexes: all, base: all };
}

/** A click on row `index` with these modifiers. */
export function click(selection: Selection, index: number, modifiers: Modifiers): Selection {
  const ctrl = modifiers.ctrlKey === true || modifiers.metaKey === true;
  if (modifiers.shiftKey === true) return extend(selection, index, ctrl);
  if (ctrl) return toggle(selection, index);
  return selectOne(index);
}

/** An arrow (or Page, Home, End) to row `index`: Shift extends from the anchor, else one row. */
export function moveTo(selection: Selection, index: number, modifiers: Modifiers): Selection {
  return modifiers.shiftKey === true ? extend(selection, index) : selectOne(index);
}

/** Only the keyboard moves (Ctrl+arrows): the selection and its anchor stay. */
export function focusOnly(selection: Selection, index: number): Selection {
  return { ...selection, focus: index };
}

/** The selected indexes, ascending. */
export function sortedIndexes(selection: Selection): number[] {
  return [...selection.indexes].sort((a, b) => a - b);
}
