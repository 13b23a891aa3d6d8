/**
 * Sending hours: campaign messages go out only between `from` and `to` on the clock of `timeZone`.
 * A notification at night can alert the person who hurts someone. Tirek knows no one's own time
 * zone (Telegram and WhatsApp do not tell bots), so the configured zone (TIMEZONE, Asia/Almaty)
 * stands for everyone; Kazakhstan has had one time zone since March 2024.
 */
export interface SendingHours {
  /** True when `now` is inside the window. */
  isOpen(now: number): boolean;
  /** "10:00–19:00" */
  readonly label: string;
}

export function createSendingHours(hours: { from: string; to: string }, timeZone: string): SendingHours {
  const toMin = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return (h ?? 0) * 60 + (m ?? 0);
  };
  const from = toMin(hours.from);
  const to = toMin(hours.to);
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return {
    label: `${hours.from}–${hours.to}`,
    isOpen(now) {
      const parts = fmt.formatToParts(new Date(now));
      const h = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
      const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
      const at = h * 60 + m;
      // a window across midnight (e.g. 20:00–02:00) is allowed, though unwise
      return from <= to ? at >= from && at < to : at >= from || at < to;
    },
  };
}
