// `syncscope serve`: the app in a browser, on loopback, behind a token.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Backend } from '../native';
import { Service } from '../core/service';
import { startServer } from '../serve/server';
import { cpuBudgetOption, holdFor, integer, print } from './io';

/** The built renderer: dist/renderer beside the bundled CLI (dist/cli.cjs). */
function rendererDir(): string {
  const dir = path.join(__dirname, 'renderer');
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new Error(`the renderer is not built (${dir}); run \`npm run build\``);
  return dir;
}

export function registerServeCommand(program: Command, backend: () => Backend): void {
  const serve = program
    .command('serve')
    .description('serve the app to a browser on 127.0.0.1, with a random token')
    .option('--port <n>', 'port (0 picks a free one)', integer(0, 65535), 0)
    .option('--allow-actions', 'let the browser act on objects and create them (read-only otherwise)')
    .option('--interval <ms>', 'state sampling interval', integer(5, 60_000), 100)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', integer(1, 0x7fffffff))
    .action(async (options) => {
      const staticDir = rendererDir();
      const service = new Service(backend(), { allowActions: Boolean(options.allowActions), rates: { stateMs: options.interval }, cpuBudgetPercent: options.cpuBudget });
      service.start();
      const server = await startServer({ service, staticDir, port: options.port });
      print(`SyncScope serving at ${server.url}${options.allowActions ? '' : ' (read-only)'}`);
      await holdFor(options.duration);
      await server.close();
      await service.dispose();
    });
  cpuBudgetOption(serve);
}
