// SPDX-License-Identifier: GPL-3.0-or-later
//
// options.js: the options page; every change is saved at once.

import { DEFAULT_OPTIONS, api } from './common.js';

const form = document.getElementById('form');
const ALL_SITES = { origins: ['<all_urls>'] };

function read(field) {
  if (field.type === 'checkbox') return field.checked;
  if (field.type === 'number') return Math.max(0, Number(field.value) || 0);
  return field.value;
}

async function showAccess() {
  // Firefox grants Manifest V3 host permissions only when the user allows them.
  document.getElementById('access').hidden = await api.permissions.contains(ALL_SITES);
}

async function main() {
  const options = await api.storage.local.get(DEFAULT_OPTIONS);
  for (const [name, value] of Object.entries(options)) {
    const field = form.elements[name];
    if (!field) continue;
    if (field.type === 'checkbox') field.checked = value;
    else field.value = value;
  }
  form.addEventListener('input', (event) => {
    const field = event.target;
    if (field.name in DEFAULT_OPTIONS) api.storage.local.set({ [field.name]: read(field) });
  });
  document.getElementById('grant').addEventListener('click', async () => {
    await api.permissions.request(ALL_SITES);
    await showAccess();
  });
  await showAccess();
}

main();
