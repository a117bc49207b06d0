// SPDX-License-Identifier: GPL-3.0-or-later
//
// test-extension.mjs: the extension's pure logic (browser/extension/common.js) under Node:
// which downloads are taken over, what the host is sent, how failures are recognised.
//
//   node --test-reporter=tap tests/browser/test-extension.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const common = await import(
  pathToFileURL(path.join(here, '..', '..', 'browser', 'extension', 'common.js')).href
);
const {
  DEFAULT_OPTIONS,
  HOST,
  cookieHeader,
  describeTransfer,
  downloadMessage,
  fileNameOf,
  hostMatches,
  isHostMissing,
  keepReason,
  parseList,
} = common;

const SELF = 'kbmnhjbkhhjlhmilfmnogfjgijaappgg';

function item(overrides = {}) {
  return {
    id: 1,
    url: 'https://dl.example.org/files/big.iso',
    finalUrl: 'https://cdn.example.org/big.iso',
    referrer: 'https://example.org/page',
    filename: '',
    state: 'in_progress',
    incognito: false,
    totalBytes: 50 * 1024 * 1024,
    fileSize: 50 * 1024 * 1024,
    ...overrides,
  };
}

test('the host name is the one the manifests use', () => {
  assert.equal(HOST, 'io.github.meow_transfer.meow');
});

test('lists: extensions and sites, any separators', () => {
  assert.deepEqual(parseList('pdf, .JPG  *.png;\nzip'), ['pdf', 'jpg', 'png', 'zip']);
  assert.deepEqual(parseList(''), []);
  assert.deepEqual(parseList(undefined), []);
});

test('file names from browser paths', () => {
  assert.equal(fileNameOf('/home/me/Downloads/a b.iso'), 'a b.iso');
  assert.equal(fileNameOf('C:\\Users\\me\\Downloads\\x.zip'), 'x.zip');
  assert.equal(fileNameOf(''), '');
  assert.equal(fileNameOf('/home/me/..'), '');
});

test('sites match themselves and their subdomains only', () => {
  assert.ok(hostMatches('example.org', ['example.org']));
  assert.ok(hostMatches('dl.Example.org.', ['example.org']));
  assert.ok(!hostMatches('badexample.org', ['example.org']));
  assert.ok(!hostMatches('example.org', []));
});

test('a plain download is taken over', () => {
  assert.equal(keepReason(item(), DEFAULT_OPTIONS, SELF), null);
});

test('what stays with the browser, and why', () => {
  const o = DEFAULT_OPTIONS;
  assert.equal(keepReason(item(), { ...o, takeOver: false }, SELF), 'off');
  assert.equal(keepReason(item({ byExtensionId: SELF }), o, SELF), 'ours');
  assert.equal(keepReason(item({ byExtensionId: 'other' }), o, SELF), null);
  assert.equal(keepReason(item({ url: 'blob:https://x/1', finalUrl: '' }), o, SELF), 'not-web');
  assert.equal(keepReason(item({ url: 'data:text/plain,a', finalUrl: '' }), o, SELF), 'not-web');
  assert.equal(keepReason(item({ state: 'complete' }), o, SELF), 'not-running');
  assert.equal(keepReason(item({ incognito: true }), o, SELF), 'private');
  assert.equal(keepReason(item({ incognito: true }), { ...o, privateWindows: true }, SELF), null);
  assert.equal(keepReason(item({ totalBytes: 1000, fileSize: 1000 }), { ...o, minSizeMiB: 1 }, SELF),
    'small');
  // An unknown size is not "small".
  assert.equal(keepReason(item({ totalBytes: -1, fileSize: -1 }), { ...o, minSizeMiB: 1 }, SELF),
    null);
  assert.equal(keepReason(item(), { ...o, skipTypes: 'pdf ISO' }, SELF), 'type');
  assert.equal(keepReason(item({ filename: '/d/report.PDF' }), { ...o, skipTypes: 'pdf' }, SELF),
    'type');
  // The final URL's host counts, not the first one's.
  assert.equal(keepReason(item(), { ...o, skipSites: 'cdn.example.org' }, SELF), 'site');
  assert.equal(keepReason(item(), { ...o, skipSites: 'dl.example.org' }, SELF), null);
});

test('cookies become one header, longer paths first', () => {
  const cookies = [
    { name: 'a', value: '1', path: '/' },
    { name: 'b', value: 'two', path: '/files/' },
  ];
  assert.equal(cookieHeader(cookies), 'b=two; a=1');
  assert.equal(cookieHeader([]), '');
});

test('the download message leaves out what is empty', () => {
  assert.deepEqual(downloadMessage({ url: 'https://h/a', referrer: '', cookies: '', userAgent: 'UA' }),
    { type: 'download', url: 'https://h/a', userAgent: 'UA' });
  assert.deepEqual(
    downloadMessage({ url: 'https://h/a', referrer: 'https://h/', cookies: 's=1', filename: 'a' }),
    { type: 'download', url: 'https://h/a', referrer: 'https://h/', cookies: 's=1', filename: 'a' });
});

test('a missing host is told apart from other failures', () => {
  assert.ok(isHostMissing(new Error('Specified native messaging host not found.')));
  assert.ok(isHostMissing(new Error('Access to the specified native messaging host is forbidden.')));
  assert.ok(isHostMissing(new Error('No such native application io.github.meow_transfer.meow')));
  assert.ok(!isHostMissing(new Error('Native host has exited.')));
  assert.ok(!isHostMissing(new Error('Server answered 404 Not Found for https://h/a')));
});

test('transfers are described as the app does', () => {
  assert.equal(describeTransfer({ status: 'running', transferred: 12e6, total: 100e6, speed: 2.1e6 }),
    '12 MB of 100 MB · 2.1 MB/s');
  assert.equal(describeTransfer({ status: 'paused', transferred: 5e6, total: 10e6, speed: 0 }),
    'Paused · 5.0 MB of 10 MB');
  assert.equal(describeTransfer({ status: 'pending', transferred: 0, total: -1, speed: 0 }), 'Waiting');
});
