// SPDX-License-Identifier: GPL-3.0-or-later
//
// background.js: hands links and downloads to Meow through its native messaging host.
//
// Nothing is lost: a download the browser started is paused (not cancelled) while Meow is
// asked, and cancelled and erased only after Meow accepted it; if the host is missing,
// Meow refuses or anything fails, the browser's download goes on (or starts again) and
// the user is told once per browser session for each reason.

import {
  DEFAULT_OPTIONS,
  HOST,
  api,
  downloadMessage,
  cookieHeader,
  fileNameOf,
  isHostMissing,
  isWebLink,
  keepReason,
} from './common.js';

const MENU_ID = 'meow-download-link';

// Links this extension gave back to the browser: their new download is not taken over.
const givenBack = new Set();

async function options() {
  return { ...DEFAULT_OPTIONS, ...(await api.storage.local.get(DEFAULT_OPTIONS)) };
}

// The cookie store a download or tab belongs to: the private one for a private window
// (never the normal one's cookies), a Firefox container's own. undefined: the default.
async function cookieStoreFor({ cookieStoreId, tabId, incognito }) {
  if (cookieStoreId) return cookieStoreId;
  const stores = await api.cookies.getAllCookieStores();
  if (tabId !== undefined && tabId >= 0) {
    const store = stores.find((s) => s.tabIds.includes(tabId));
    if (store) return store.id;
  }
  if (!incognito) return undefined;
  const store = stores.find((s) => s.incognito || s.id === '1' || s.id === 'firefox-private');
  if (!store) throw new Error('The private window’s cookies cannot be read.');
  return store.id;
}

// Asks Meow to download @details.url. Returns Meow's task id; throws with a sentence.
async function handOff(details) {
  const { url } = details;
  if (!(await api.permissions.contains({ origins: [new URL(url).origin + '/*'] }))) {
    throw new Error('Meow may not read this site’s cookies: allow it in Meow’s extension options.');
  }
  const storeId = await cookieStoreFor(details);
  const cookies = await api.cookies.getAll(storeId ? { url, storeId } : { url });
  const message = downloadMessage({
    url,
    referrer: details.referrer,
    cookies: cookieHeader(cookies),
    userAgent: navigator.userAgent,
    filename: fileNameOf(details.filename),
  });
  const reply = await api.runtime.sendNativeMessage(HOST, message);
  if (reply?.ok !== true) throw new Error(reply?.error ?? 'Meow gave no answer.');
  return reply.id;
}

// The sentence for a failure, and tells it unless it was told already in this session.
async function tell(error) {
  const text = isHostMissing(error)
    ? 'Meow’s browser support is not installed. In Meow, open Preferences and install Browser Integration.'
    : String(error?.message ?? error);
  const { told = [] } = await api.storage.session.get('told');
  if (told.includes(text)) return;
  await api.storage.session.set({ told: [...told, text] });
  await api.notifications.create(`meow-${told.length}`, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/meow-96.png'),
    title: 'The browser downloads it instead',
    message: text,
  });
}

// Lets the browser download @url itself, as a new download.
async function browserDownload(url) {
  givenBack.add(url);
  try {
    await api.downloads.download({ url });
  } catch (error) {
    givenBack.delete(url);
    throw error;
  }
}

async function onCreated(item) {
  const url = item.finalUrl || item.url;
  if (givenBack.delete(item.url) || givenBack.delete(url)) return;
  if (keepReason(item, await options(), api.runtime.id) !== null) return;

  // Paused, not cancelled, until Meow has it.
  let paused = false;
  try {
    await api.downloads.pause(item.id);
    paused = true;
  } catch {
    // Already finished or failed: then the browser's copy is all there is.
    const [now] = await api.downloads.search({ id: item.id });
    if (now?.state !== 'in_progress') return;
  }

  try {
    await handOff({
      url,
      referrer: item.referrer,
      filename: item.filename,
      incognito: item.incognito,
      cookieStoreId: item.cookieStoreId,
    });
  } catch (error) {
    if (paused) await giveBack(item);
    await tell(error);
    return;
  }
  await api.downloads.cancel(item.id);
  await api.downloads.erase({ id: item.id });
}

// The browser's paused download goes on; where it cannot, it starts again.
async function giveBack(item) {
  try {
    await api.downloads.resume(item.id);
    return;
  } catch {
    const [now] = await api.downloads.search({ id: item.id });
    if (now?.state === 'complete' || now?.state === 'in_progress') return;
  }
  await browserDownload(item.url);
}

async function onMenuClicked(info, tab) {
  if (info.menuItemId !== MENU_ID) return;
  const url = info.linkUrl;
  try {
    if (!isWebLink(url)) throw new Error('Meow downloads only http and https links.');
    if (tab?.incognito && !(await options()).privateWindows) {
      throw new Error('Links in private windows stay in the browser unless Meow’s options allow them.');
    }
    await handOff({
      url,
      referrer: info.frameUrl || info.pageUrl,
      incognito: tab?.incognito,
      tabId: tab?.id,
      cookieStoreId: tab?.cookieStoreId,
    });
  } catch (error) {
    await browserDownload(url);
    await tell(error);
  }
}

async function createMenu() {
  await api.contextMenus.removeAll();
  api.contextMenus.create({ id: MENU_ID, title: 'Download with Meow', contexts: ['link'] });
}

api.runtime.onInstalled.addListener(() => {
  createMenu().catch((error) => console.error('Meow:', error));
});
api.downloads.onCreated.addListener((item) => {
  onCreated(item).catch((error) => console.error('Meow:', error));
});
api.contextMenus.onClicked.addListener((info, tab) => {
  onMenuClicked(info, tab).catch((error) => console.error('Meow:', error));
});
