// Where Packager gets Electron's release zip. With ELECTRON_ZIP_DIR set, from that folder and
// nothing is downloaded. Otherwise @electron/get downloads it; on a machine without internet that
// ends in a bare "TypeError: fetch failed" and a stack, so the download goes through this
// downloader (the same fetch to a file that @electron/get's own does), which turns a network
// failure into one line saying what to do.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export function electronZipDir(): string | undefined {
  return process.env.ELECTRON_ZIP_DIR || undefined;
}

type DownloadOptions = RequestInit & { quiet?: boolean; getProgressCallback?: unknown };

export const downloaderWithOfflineHint = {
  async download(url: string, targetFilePath: string, options: DownloadOptions = {}): Promise<void> {
    const { quiet: _quiet, getProgressCallback: _progress, ...fetchOptions } = options;
    let response: Response;
    try {
      response = await fetch(url, fetchOptions);
    } catch (error) {
      throw oneLineError(offlineHint(url, error));
    }
    if (!response.ok || !response.body) {
      throw oneLineError(`downloading ${url} failed: HTTP ${response.status} ${response.statusText}`);
    }
    await fs.promises.mkdir(path.dirname(targetFilePath), { recursive: true });
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), fs.createWriteStream(targetFilePath));
  },
};

export function offlineHint(url: string, error: unknown): string {
  const file = path.posix.basename(new URL(url).pathname);
  const zip = /^electron-v.+\.zip$/.test(file) ? file : 'electron-v<version>-<platform>-<arch>.zip';
  return `Electron could not be downloaded (${networkReason(error)}); without internet access, set ELECTRON_ZIP_DIR to a folder holding ${zip} (see README, "Packaging")`;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Forge prints an error's stack after its message; a stack of just the message keeps it one line. */
function oneLineError(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}
