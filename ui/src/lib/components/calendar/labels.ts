// The name screen readers and tooltips give an event in every view: its title, when it
// happens, its calendar, and whether it repeats.

import { whenLabel, type CalItem } from '../../calendar';
import { t, type Lang } from '../../i18n';

export function eventLabel(item: CalItem, lang: Lang): string {
  const label = t('cal.event.aria', {
    summary: item.occurrence.summary || t('cal.noTitle'),
    when: whenLabel(item.span, lang, t('cal.allDay')),
    calendar: item.calendar.name,
  });
  return item.occurrence.recurrence_id !== null ? `${label}, ${t('cal.event.repeats')}` : label;
}
