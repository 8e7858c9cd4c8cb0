// Times and days in the reader's locale and time zone (the page language, the browser's region).

const GROUP_WITHIN_MS = 5 * 60 * 1000; // one author's messages closer than this share one header
const DAY_MS = 24 * 60 * 60 * 1000;

export function readerLocale() {
  const pageLanguage = document.documentElement.lang || "en";
  // "en" page + "en-GB" browser: British dates. A "ja" page in an English browser: Japanese dates.
  return (navigator.languages || []).find((tag) => tag.split("-")[0] === pageLanguage) || pageLanguage;
}

export class ClockFormat {
  constructor(locale) {
    this.locale = locale;
    this.time = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" });
    this.full = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "medium" });
    this.day = new Intl.DateTimeFormat(locale, { weekday: "long", month: "long", day: "numeric" });
    this.dayWithYear = new Intl.DateTimeFormat(locale, { dateStyle: "full" });
    this.relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  }

  timeOf(date) {
    return this.time.format(date);
  }

  fullOf(date) {
    return this.full.format(date);
  }

  // "Today", "Yesterday", else the weekday and date (with the year when it is not this year).
  dayOf(date) {
    const daysAgo = Math.round((startOfDay(new Date()) - startOfDay(date)) / DAY_MS);
    if (daysAgo === 0 || daysAgo === 1) return capitalised(this.relative.format(-daysAgo, "day"), this.locale);
    return (date.getFullYear() === new Date().getFullYear() ? this.day : this.dayWithYear).format(date);
  }
}

export function sameDay(a, b) {
  return startOfDay(a) === startOfDay(b);
}

export function closeInTime(earlier, later) {
  return later - earlier < GROUP_WITHIN_MS;
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function capitalised(text, locale) {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}
