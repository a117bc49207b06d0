// SPDX-License-Identifier: GPL-3.0-or-later
//
// popup.js: Meow's running transfers, from the host's "list" reply once a second, over
// one native messaging port that lives as long as the popup.

import { DEFAULT_OPTIONS, HOST, api, describeTransfer, isHostMissing } from './common.js';

const status = document.getElementById('status');
const list = document.getElementById('transfers');
const takeOver = document.getElementById('take-over');

function show(text) {
  status.textContent = text;
  status.hidden = text === '';
}

function render(reply) {
  if (reply?.ok !== true) {
    show(reply?.error ?? 'Meow gave no answer.');
    list.replaceChildren();
    return;
  }
  const transfers = reply.transfers ?? [];
  if (!reply.running) show('Meow is not running.');
  else if (transfers.length === 0) show('Nothing is being transferred.');
  else show('');
  list.replaceChildren(
    ...transfers.map((transfer) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      const bar = document.createElement('progress');
      const detail = document.createElement('span');
      name.className = 'name';
      name.textContent = transfer.name;
      name.title = transfer.name;
      bar.max = 1;
      if (transfer.total > 0) bar.value = transfer.progress;
      detail.className = 'detail';
      detail.textContent = describeTransfer(transfer);
      item.append(name, bar, detail);
      return item;
    }),
  );
}

function connect() {
  const port = api.runtime.connectNative(HOST);
  let timer = 0;
  port.onMessage.addListener((reply) => {
    render(reply);
    timer = setTimeout(() => port.postMessage({ type: 'list' }), 1000);
  });
  port.onDisconnect.addListener((p) => {
    clearTimeout(timer);
    const error = p.error ?? api.runtime.lastError;
    show(
      isHostMissing(error)
        ? 'Meow’s browser support is not installed. In Meow, open Preferences and install Browser Integration.'
        : `Meow cannot be reached: ${error?.message ?? 'the host ended'}.`,
    );
    list.replaceChildren();
  });
  port.postMessage({ type: 'list' });
}

async function main() {
  const options = await api.storage.local.get(DEFAULT_OPTIONS);
  takeOver.checked = options.takeOver;
  takeOver.addEventListener('change', () => {
    api.storage.local.set({ takeOver: takeOver.checked });
  });
  document.getElementById('options').addEventListener('click', (event) => {
    event.preventDefault();
    api.runtime.openOptionsPage();
    window.close();
  });
  connect();
}

main();
