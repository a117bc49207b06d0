// SPDX-License-Identifier: GPL-3.0-or-later
//
// tus-server.mjs STORE-DIR: the tus 1.0 reference server (@tus/server with @tus/file-store)
// for Meow's upload integration tests.
//
// Listens on 127.0.0.1 at a port the kernel chooses (port 0), or at MEOW_TUS_PORT when set
// (a restart on the port of an earlier run), and prints one line on stdout when it is ready
// to take requests:
//
//   http://127.0.0.1:PORT/files/
//
// (the creation URL; an upload's data is stored as STORE-DIR/<upload id>, its metadata as
// STORE-DIR/<upload id>.json). Exits with status 0 on SIGTERM or SIGINT after closing the
// listening socket and any open connections.
//
// With MEOW_TUS_LOG=FILE, every request is appended to FILE as one line when it ends:
//   METHOD PATH STATUS upload-offset=REQUEST-UPLOAD-OFFSET upload-length=REQUEST-UPLOAD-LENGTH
// ("-" when the request had no such header), so a test can tell where a PATCH started.
//
// With MEOW_TUS_LOGIN=USER:PASSWORD, the server sits behind Basic authentication, as a
// deployment behind a login does: a request without that login (any method, OPTIONS too)
// is answered 401 with `WWW-Authenticate: Basic realm="Meow Uploads"` and never reaches
// the tus handler; the log line of such a request has the status 401. Whether a request
// carried a login is logged as auth=basic or auth=- .
//
// Needs Node >= 20.19 and the modules of package-lock.json beside this file, installed with
// `npm ci` (build-aux/meow-dev does it into the build tree; NODE_PATH is not used by ESM, so
// give the script's modules with MEOW_TUS_MODULES=DIR/node_modules when they are elsewhere).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const storeDir = process.argv[2];
if (!storeDir) {
  console.error('usage: tus-server.mjs STORE-DIR');
  process.exit(2);
}
fs.mkdirSync(storeDir, { recursive: true });

// ESM resolves bare specifiers relative to this file, not NODE_PATH: load the modules from
// the build tree explicitly when asked to.
async function load (name) {
  const modules = process.env.MEOW_TUS_MODULES;
  if (!modules) {
    return import(name);
  }
  const pkgDir = path.join(modules, name);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  let entry = pkg.main || 'index.js';
  const exp = pkg.exports && (pkg.exports['.'] ?? pkg.exports);
  if (typeof exp === 'string') {
    entry = exp;
  } else if (exp && typeof exp === 'object') {
    const target = exp.import ?? exp.default ?? exp.node;
    entry = typeof target === 'string' ? target : (target?.default ?? entry);
  }
  return import(pathToFileURL(path.join(pkgDir, entry)).href);
}

const { Server } = await load('@tus/server');
const { FileStore } = await load('@tus/file-store');

const logFile = process.env.MEOW_TUS_LOG;
const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;

const tus = new Server({
  path: '/files',
  datastore: new FileStore({ directory: storeDir }),
});

const login = process.env.MEOW_TUS_LOGIN;
const expectedAuth = login ? 'Basic ' + Buffer.from(login, 'utf8').toString('base64') : null;

const server = http.createServer((req, res) => {
  const auth = req.headers.authorization;
  if (logStream) {
    const offset = req.headers['upload-offset'] ?? '-';
    const length = req.headers['upload-length'] ?? '-';
    const scheme = auth ? auth.split(' ')[0].toLowerCase() : '-';
    res.on('close', () => {
      logStream.write(
        `${req.method} ${req.url} ${res.statusCode} upload-offset=${offset} upload-length=${length} auth=${scheme}\n`);
    });
  }
  if (expectedAuth && auth !== expectedAuth) {
    // Read and drop what the client sends, then refuse: a body sent before the
    // challenge must not make the answer look like a broken connection.
    req.resume();
    req.on('end', () => {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Meow Uploads"',
                           'Content-Type': 'text/plain' });
      res.end('login required\n');
    });
    return;
  }
  tus.handle(req, res);
});

server.listen(Number(process.env.MEOW_TUS_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`http://127.0.0.1:${port}/files/\n`);
});

let stopping = false;
function stop () {
  if (stopping) {
    return;
  }
  stopping = true;
  server.close(() => {
    if (logStream) {
      logStream.end(() => process.exit(0));
    } else {
      process.exit(0);
    }
  });
  server.closeAllConnections();
  // A request handler that never ends must not keep the test waiting.
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
