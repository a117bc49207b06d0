// SPDX-License-Identifier: GPL-3.0-or-later
//
// common.js: what the background, the popup and the options page share. The functions
// below the API lookup are pure (no browser API), so that tests/browser can run them
// under Node.

// Firefox has `browser`, Chromium `chrome`; both return promises in Manifest V3.
export const api = globalThis.browser ?? globalThis.chrome;

// The native messaging host (browser/meow-browser-protocol.h: MEOW_BROWSER_HOST_NAME).
export const HOST = 'io.github.meow_transfer.meow';

// The protocol version this extension speaks (docs/browser.md).
export const PROTOCOL = 1;

export const DEFAULT_OPTIONS = Object.freeze({
  takeOver: true, // take over the downloads the browser starts
  minSizeMiB: 0, // leave smaller downloads (of a known size) to the browser
  skipTypes: '', // file name extensions left to the browser: "pdf, jpg"
  skipSites: '', // sites left to the browser, one a line: "example.org"
  privateWindows: false, // take over downloads from private windows too
});

// "pdf, .JPG  png" → ["pdf", "jpg", "png"]
export function parseList(text) {
  return String(text ?? '')
    .split(/[\s,;]+/)
    .map((word) => word.trim().toLowerCase().replace(/^\*?\./, ''))
    .filter((word) => word !== '');
}

// The last component of a path the browser gives ("/home/me/Downloads/a.iso" → "a.iso").
export function fileNameOf(path) {
  const name = String(path ?? '').split(/[/\\]/).pop();
  return name === '.' || name === '..' ? '' : name;
}

export function extensionOf(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function isWebLink(url) {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

// Whether @host is one of @sites or below one ("dl.example.org" is below "example.org").
export function hostMatches(host, sites) {
  const h = host.toLowerCase().replace(/\.$/, '');
  return sites.some((site) => h === site || h.endsWith('.' + site));
}

// Why a download the browser started stays with the browser, or null to take it over.
// @item is a downloads.DownloadItem; @options as DEFAULT_OPTIONS; @selfId this extension's id.
export function keepReason(item, options, selfId) {
  const url = item.finalUrl || item.url;
  if (!options.takeOver) return 'off';
  if (item.byExtensionId && item.byExtensionId === selfId) return 'ours';
  if (!isWebLink(url)) return 'not-web';
  if (item.state && item.state !== 'in_progress') return 'not-running';
  if (item.incognito && !options.privateWindows) return 'private';
  const size = item.totalBytes > 0 ? item.totalBytes : item.fileSize > 0 ? item.fileSize : -1;
  if (size >= 0 && size < options.minSizeMiB * 1024 * 1024) return 'small';
  const name = fileNameOf(item.filename) || fileNameOf(new URL(url).pathname);
  if (parseList(options.skipTypes).includes(extensionOf(name))) return 'type';
  if (hostMatches(new URL(url).hostname, parseList(options.skipSites))) return 'site';
  return null;
}

// cookies.Cookie[] → a Cookie header value, longer paths first (RFC 6265, 5.4).
export function cookieHeader(cookies) {
  return [...cookies]
    .sort((a, b) => (b.path ?? '').length - (a.path ?? '').length)
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

// The host's download message (docs/browser.md), without empty fields.
export function downloadMessage({ url, referrer, cookies, userAgent, filename }) {
  const message = { type: 'download', url };
  for (const [key, value] of Object.entries({ referrer, cookies, userAgent, filename })) {
    if (value) message[key] = value;
  }
  return message;
}

// Whether a failed native messaging call means the host is not installed (or its manifest
// does not name this extension): Chromium's and Firefox's wordings.
export function isHostMissing(error) {
  const text = String(error?.message ?? error);
  return /native messaging host (not found|is forbidden)|No such native application/i.test(text);
}

export function formatBytes(bytes) {
  if (!(bytes >= 0)) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// A transfer of the host's list reply → "12 MB of 100 MB · 2.1 MB/s".
export function describeTransfer(transfer) {
  const parts = [];
  if (transfer.status === 'paused') parts.push('Paused');
  else if (transfer.status === 'pending') parts.push('Waiting');
  if (transfer.total > 0) {
    parts.push(`${formatBytes(transfer.transferred)} of ${formatBytes(transfer.total)}`);
  } else if (transfer.transferred > 0) {
    parts.push(formatBytes(transfer.transferred));
  }
  if (transfer.status === 'running' && transfer.speed > 0) {
    parts.push(`${formatBytes(transfer.speed)}/s`);
  }
  return parts.join(' · ');
}
