#!/usr/bin/env node
// Jobs for the packaging tests that need Node 22 (Electron Forge 8, @electron/asar 4); run with
// the node that the `node` devDependency installs, node_modules/.bin/node.
//
//   node22.mjs package|make '<Forge API options as JSON>'   Forge's package/make API
//   node22.mjs asar-list ARCHIVE                            prints {entries, headerSha256} as JSON
//   node22.mjs asar-extract ARCHIVE DEST                    extracts, unpacked files included
import { createHash } from 'node:crypto';
import * as asar from '@electron/asar';
import { api } from '@electron-forge/core';

const [job, ...args] = process.argv.slice(2);
switch (job) {
  case 'package':
    await api.package({ interactive: false, ...JSON.parse(args[0]) });
    break;
  case 'make': {
    const results = await api.make({ interactive: false, ...JSON.parse(args[0]) });
    process.stdout.write(JSON.stringify(results.flatMap((result) => result.artifacts)) + '\n');
    break;
  }
  case 'asar-list': {
    // Each entry's kind and whether it lives in app.asar.unpacked, plus the SHA-256 of the
    // header, which is what Packager records for Electron's asar integrity check.
    const [archive] = args;
    const entries = asar.listPackage(archive, { isPack: false }).map((entryPath) => {
      const entry = asar.statFile(archive, entryPath.replace(/^[\\/]/, ''), false);
      const kind = 'files' in entry ? 'dir' : 'link' in entry ? 'link' : 'file';
      return { path: entryPath, kind, unpacked: 'unpacked' in entry && entry.unpacked === true };
    });
    const headerSha256 = createHash('sha256').update(asar.getRawHeader(archive).headerString).digest('hex');
    process.stdout.write(JSON.stringify({ entries, headerSha256 }) + '\n');
    break;
  }
  case 'asar-extract':
    asar.extractAll(args[0], args[1]);
    break;
  default:
    process.stderr.write(`node22.mjs: unknown job ${job}\n`);
    process.exit(2);
}
