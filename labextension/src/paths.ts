/** Small pure helpers for links and paths shown in the panel. */

/** True for a path inside the Jupyter root (server-relative), which docmanager can open. */
export function isServerRelative(path: string | null | undefined): path is string {
  if (!path) {
    return false;
  }
  return !path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path) && !path.startsWith('..');
}

/**
 * A Prefect UI link with its base replaced by the user's setting: `url` starts with the UI base
 * the server reported (`statusBase`); `override` (settings editor) wins when given.
 */
export function overrideUiUrl(
  url: string | null | undefined,
  statusBase: string | null | undefined,
  override: string | null | undefined
): string | null {
  if (!url) {
    return null;
  }
  const base = (statusBase ?? '').replace(/\/+$/, '');
  const wanted = (override ?? '').replace(/\/+$/, '');
  if (!wanted || !base || !url.startsWith(base)) {
    return url;
  }
  return wanted + url.slice(base.length);
}

/** `2026-11-24T06:00:00+01:00` as a short local date-time, or the input when unparsable. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit'
  });
}
