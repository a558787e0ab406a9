// The packaged app, proven without the Electron binary: Forge packages SyncScope for linux-x64
// and win32-x64 offline from placeholder Electron zips (test/support/placeholder-electron.ts), once
// per platform; the tests read what came out. The koffi inside each package is loaded the way
// the main bundle loads it and calls the OS: in Linux Node for the linux package, in the Windows
// node.exe under Wine for the win32 package. Then the makers run on those packages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { Data, NtExecutable, NtExecutableResource, Resource } from 'resedit';
import { FUSE_COUNT, installedElectronVersion, makePlaceholderElectronZip } from '../support/placeholder-electron';
import { extractAsar, forgeMake, forgePackage, listAsar, packageVersion, repo, run, type AsarEntry, type Platform } from '../support/packaging';
import { runtimeMissing } from '../support/runtime';
import { Win32Helper, dist, provisionWine, runFixture, toWinePath } from '../support/wine';

const skip = runtimeMissing('zip', ['zip', '-v']) ?? runtimeMissing('unzip', ['unzip', '-v']);

/** The hardened app's fuses, as the brief for the installers asks (issue 12). */
const EXPECTED_FUSES: Record<keyof typeof FuseV1Options, boolean> = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
  WasmTrapHandlers: true,
};
const FUSE_ON = '1'.charCodeAt(0);
const FUSE_OFF = '0'.charCodeAt(0);

const PLATFORMS: Platform[] = ['linux', 'win32'];
const executableName = (platform: Platform) => (platform === 'win32' ? 'syncscope.exe' : 'syncscope');
const nativePackage = (platform: Platform) => `koffi-${platform}-x64`;

interface Packaged {
  dir: string;
  asar: string;
  unpackedDir: string;
  entries: AsarEntry[];
  headerSha256: string;
  /** app.asar extracted, its unpacked files included. */
  extracted: string;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const files = (entries: AsarEntry[]) => entries.filter((entry) => entry.kind === 'file').map((entry) => entry.path);

describe('packaged app (placeholder Electron, offline)', { skip }, () => {
  let work = '';
  let zipDir = '';
  let outDir = '';
  const packaged = {} as Record<Platform, Packaged>;
  const version = packageVersion();

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-packaging-'));
    zipDir = path.join(work, 'electron-zips');
    outDir = path.join(work, 'out');
    fs.mkdirSync(zipDir);
    const electronVersion = installedElectronVersion(repo);
    for (const platform of PLATFORMS) {
      makePlaceholderElectronZip(zipDir, platform, electronVersion);
      forgePackage(platform, outDir, zipDir);
      const dir = path.join(outDir, `SyncScope-${platform}-x64`);
      const asar = path.join(dir, 'resources/app.asar');
      const extracted = path.join(work, `extracted-${platform}`);
      extractAsar(asar, extracted);
      packaged[platform] = { dir, asar, unpackedDir: `${asar}.unpacked`, extracted, ...listAsar(asar) };
    }
  }, { timeout: 600_000 });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const platform of PLATFORMS) {
    describe(`${platform}-x64`, () => {
      test('app.asar holds the Vite bundles, package.json, koffi\'s JavaScript and exactly the target\'s koffi binary package', () => {
        const { entries } = packaged[platform];
        const paths = files(entries);
        for (const required of ['/package.json', '/.vite/build/main.cjs', '/node_modules/koffi/package.json', '/node_modules/koffi/index.cjs']) {
          assert.ok(paths.includes(required), `${required} missing from app.asar`);
        }
        assert.ok(paths.some((file) => file.startsWith('/.vite/renderer/') && file.endsWith('/index.html')), 'renderer page missing');
        // Nothing but the build's output and koffi: no sources, no other dependencies.
        const outside = paths.filter((file) => !/^\/(\.vite\/|package\.json$|node_modules\/(koffi|@koromix)\/)/.test(file));
        assert.deepEqual(outside, []);
        // koffi's JavaScript only: not its C sources, vendored headers or docs.
        const koffiFiles = paths.filter((file) => file.startsWith('/node_modules/koffi/'));
        assert.deepEqual(koffiFiles.filter((file) => !/(\.c?js|\/package\.json|\/LICENSE[^/]*)$/.test(file)), []);
        const nativePackages = new Set(paths.filter((file) => file.startsWith('/node_modules/@koromix/')).map((file) => file.split('/')[3]));
        assert.deepEqual([...nativePackages], [nativePackage(platform)]);
      });

      test('package.json names the main bundle and the version; the engine bundle requires koffi at run time, main never does', () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(packaged[platform].extracted, 'package.json'), 'utf8'));
        assert.equal(manifest.main, '.vite/build/main.cjs');
        assert.equal(manifest.productName, 'SyncScope');
        assert.equal(manifest.version, version);
        const bundle = (name: string) => fs.readFileSync(path.join(packaged[platform].extracted, '.vite/build', name), 'utf8');
        assert.match(bundle('engine.cjs'), /require\(["']koffi["']\)/, 'koffi should stay external to the engine bundle');
        assert.match(bundle('demo-worker.cjs'), /require\(["']koffi["']\)/, 'koffi should stay external to the demo worker');
        // Electron's main process owns windows only: the OS backend lives in the engine process.
        assert.doesNotMatch(bundle('main.cjs'), /require\(["']koffi["']\)/, 'the main bundle must not load koffi');
      });

      test('every module a bundle requires is Electron, built into Node, or in the package', () => {
        const { extracted } = packaged[platform];
        const buildDir = path.join(extracted, '.vite/build');
        for (const bundle of fs.readdirSync(buildDir).filter((file) => file.endsWith('.cjs'))) {
          const code = fs.readFileSync(path.join(buildDir, bundle), 'utf8');
          const requireFromBundle = createRequire(path.join(buildDir, bundle));
          for (const [, name] of code.matchAll(/\brequire\(["']([^"']+)["']\)/g)) {
            if (name === 'electron' || isBuiltin(name)) continue;
            const resolved = requireFromBundle.resolve(name);
            assert.ok(resolved.startsWith(extracted + path.sep), `${bundle} requires ${name}, found outside the package: ${resolved}`);
          }
        }
      });

      test('every koffi.node is unpacked from the asar into app.asar.unpacked', () => {
        const { entries, unpackedDir, extracted } = packaged[platform];
        const nativeFiles = files(entries).filter((file) => file.endsWith('.node'));
        assert.ok(nativeFiles.length > 0, 'no koffi.node in the package');
        for (const file of nativeFiles) {
          assert.ok(entries.find((entry) => entry.path === file)?.unpacked, `${file} is inside app.asar, where the OS cannot load it`);
          const onDisk = path.join(unpackedDir, file);
          assert.ok(fs.existsSync(onDisk), `${onDisk} missing`);
          assert.equal(sha256(onDisk), sha256(path.join(extracted, file)));
        }
        assert.deepEqual(entries.filter((entry) => entry.unpacked && !entry.path.endsWith('.node')), []);
      });

      test('the executable is named syncscope and its fuses read as configured', async () => {
        const { dir } = packaged[platform];
        const executable = path.join(dir, executableName(platform));
        assert.ok(fs.existsSync(executable), `${executable} missing`);
        assert.ok(!fs.existsSync(path.join(dir, platform === 'win32' ? 'electron.exe' : 'electron')), 'electron executable left unrenamed');
        if (platform === 'linux') assert.ok(fs.statSync(executable).mode & 0o111, 'not executable');
        const wire = await getCurrentFuseWire(executable);
        assert.equal(wire.version, '1');
        assert.equal(Object.keys(wire).filter((key) => key !== 'version').length, FUSE_COUNT);
        for (const [name, on] of Object.entries(EXPECTED_FUSES)) {
          const index = FuseV1Options[name as keyof typeof FuseV1Options];
          assert.equal(wire[index], on ? FUSE_ON : FUSE_OFF, `fuse ${name} should be ${on ? 'on' : 'off'}`);
        }
      });

      test(`koffi from the package calls the OS (${platform === 'win32' ? 'Windows node.exe under Wine' : 'Linux Node'})`, {
        skip: platform === 'win32' ? runtimeMissing('Wine', ['wine', '--version']) : undefined,
        timeout: 240_000,
      }, async () => {
        const { extracted } = packaged[platform];
        const resultFile = path.join(work, `probe-${platform}.json`);
        // NODE_PATH is emptied so that nothing outside the package can supply koffi's binary.
        if (platform === 'win32') {
          provisionWine();
          const run = await runFixture('packaged-koffi-probe', [toWinePath(extracted), toWinePath(resultFile)], 120_000, {
            NODE_PATH: '',
            NODE_SKIP_PLATFORM_CHECK: '1',
          });
          assert.equal(run.code, 0, run.stderr);
        } else {
          const env: NodeJS.ProcessEnv = { ...process.env };
          delete env.NODE_PATH;
          const run = spawnSync(process.execPath, [dist('fixtures/packaged-koffi-probe.cjs'), extracted, resultFile], { env, encoding: 'utf8', timeout: 60_000 });
          assert.equal(run.status, 0, run.stderr);
        }
        const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
        assert.equal(result.error, undefined);
        assert.equal(result.platform, platform);
        assert.equal(result.koffiVersion, JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/koffi/package.json'), 'utf8')).version);
        const inPackage = (file: string) => path.normalize(file.replaceAll('\\', '/').replace(/^Z:/i, '')).startsWith(extracted + path.sep);
        assert.ok(inPackage(result.koffiPath), `koffi resolved outside the package: ${result.koffiPath}`);
        assert.equal(result.nativeFiles.length, 1, `koffi.node files loaded: ${result.nativeFiles.join(', ')}`);
        assert.ok(inPackage(result.nativeFiles[0]), `koffi.node loaded from outside the package: ${result.nativeFiles[0]}`);
        assert.ok(result.nativeFiles[0].replaceAll('\\', '/').includes(`/node_modules/@koromix/${nativePackage(platform)}/`));
        // The OS's own process id, read through the packaged koffi, is the process's.
        assert.equal(result.osPid, result.nodePid);
      });

      test(`the packaged main starts the engine, which lists a real object through the packaged koffi (${platform === 'win32' ? 'node.exe under Wine' : 'Linux Node'}, the electron stand-in)`, {
        skip: platform === 'win32' ? runtimeMissing('Wine', ['wine', '--version']) : undefined,
        timeout: 300_000,
      }, async () => {
        const { extracted } = packaged[platform];
        const resultFile = path.join(work, `main-${platform}.json`);
        const mainBundle = path.join(extracted, '.vite/build/main.cjs');
        let objectName: string;
        let stopObject: () => Promise<void>;
        const env: Record<string, string> = { SYNCSCOPE_STANDIN_ROLE: 'main', NODE_PATH: '' };
        if (platform === 'win32') {
          provisionWine();
          const helper = await Win32Helper.start(`SyncScopePkg${process.pid}`);
          objectName = helper.paths[0];
          stopObject = () => helper.stop();
          Object.assign(env, { NODE_SKIP_PLATFORM_CHECK: '1', SYNCSCOPE_STANDIN_DRIVE: toWinePath(resultFile), SYNCSCOPE_STANDIN_MAIN: toWinePath(mainBundle), SYNCSCOPE_STANDIN_SHOW: objectName });
        } else {
          objectName = `SyncScopePkg${process.pid}`;
          const { loadBackend } = await import('../../native');
          const backend = loadBackend();
          backend.create({ kind: 'posix-semaphore', name: objectName, count: 3 }).close();
          stopObject = async () => {
            fs.rmSync(`/dev/shm/sem.${objectName}`, { force: true });
            backend.dispose();
          };
          Object.assign(env, { SYNCSCOPE_STANDIN_DRIVE: resultFile, SYNCSCOPE_STANDIN_MAIN: mainBundle, SYNCSCOPE_STANDIN_SHOW: objectName });
        }
        try {
          if (platform === 'win32') {
            const run = await runFixture('electron-stand-in', [], 240_000, env);
            assert.equal(run.code, 0, `${run.stderr}\n${fs.existsSync(resultFile) ? fs.readFileSync(resultFile, 'utf8') : ''}`);
          } else {
            const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
            delete childEnv.NODE_PATH;
            const run = spawnSync(process.execPath, [dist('fixtures/electron-stand-in.cjs')], { env: childEnv, encoding: 'utf8', timeout: 180_000 });
            assert.equal(run.status, 0, `${run.stderr}\n${fs.existsSync(resultFile) ? fs.readFileSync(resultFile, 'utf8') : ''}`);
          }
        } finally {
          await stopObject();
        }
        const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
        assert.equal(result.error, undefined, result.error);
        // The window: hardened, on the app's own scheme, whose handler serves the page with the strict CSP.
        assert.equal(result.url, 'syncscope://app/index.html');
        assert.equal(result.webPreferences.sandbox, true);
        assert.equal(result.webPreferences.contextIsolation, true);
        assert.equal(result.page.status, 200);
        assert.match(result.page.csp, /script-src 'self';/);
        assert.ok(result.page.bytes > 200);
        // The engine: another process, running this platform's backend through the packaged koffi.
        assert.deepEqual(result.statuses.map((status: { state: string }) => status.state).filter((state: string) => state !== 'starting'), ['running']);
        assert.equal(result.session.platform, platform);
        assert.equal(result.session.transport, 'electron');
        assert.ok(result.snapshotRecords >= 1, `objects listed: ${result.snapshotRecords}`);
        assert.equal(result.show.path, platform === 'win32' ? objectName : `/dev/shm/sem.${objectName}`);
        assert.ok(result.show.state, 'the object\'s state was read');
        assert.equal(result.quit, true, 'closing the window quit the app');
      });
    });
  }

  test("the packaged engine (Forge's Vite build) without koffi says why it cannot start, instead of dying at its first line", { timeout: 60_000 }, async () => {
    // The app's files without node_modules: koffi is missing, as a broken install would have it.
    const app = path.join(work, 'engine-without-koffi');
    fs.cpSync(path.join(packaged.linux.extracted, '.vite'), path.join(app, '.vite'), { recursive: true });
    const { StandInUtilityProcess } = await import('../fixtures/electron-stand-in');
    const env = { ...process.env };
    delete env.NODE_PATH;
    const engine = new StandInUtilityProcess(path.join(app, '.vite/build/engine.cjs'), [], { env, stdio: 'pipe' });
    try {
      const first = new Promise<unknown>((resolve) => engine.once('message', resolve));
      const exit = new Promise<number>((resolve) => engine.once('exit', resolve));
      const message = (await first) as { type: string; reason: string };
      assert.equal(message.type, 'fatal');
      assert.match(message.reason, /^could not start the engine: Cannot find module 'koffi'/);
      assert.equal(await exit, 1);
    } finally {
      engine.kill();
    }
  });

  test('the Windows executable says SyncScope and the version, has the app\'s icon and the asar\'s integrity hash', () => {
    const { dir, headerSha256 } = packaged.win32;
    const resources = NtExecutableResource.from(NtExecutable.from(fs.readFileSync(path.join(dir, 'syncscope.exe'))));
    const [versionInfo] = Resource.VersionInfo.fromEntries(resources.entries);
    const [language] = versionInfo.getAllLanguagesForStringValues();
    const strings = versionInfo.getStringValues(language);
    assert.equal(strings.ProductName, 'SyncScope');
    assert.equal(strings.FileDescription, 'SyncScope');
    assert.equal(strings.OriginalFilename, 'syncscope.exe');
    assert.equal(strings.ProductVersion, version);
    assert.equal(strings.FileVersion, version);
    const [major, minor, patch] = version.split('.').map(Number);
    assert.equal(versionInfo.fixedInfo.fileVersionMS, (major << 16) | minor);
    assert.equal(versionInfo.fixedInfo.fileVersionLS, patch << 16);

    const [iconGroup] = Resource.IconGroupEntry.fromEntries(resources.entries);
    const exeIcons = iconGroup.getIconItemsFromEntries(resources.entries).map((item) => Buffer.from(item.isRaw() ? item.bin : item.generate()));
    const appIcons = Data.IconFile.from(fs.readFileSync(path.join(repo, 'assets/icon.ico'))).icons
      .map(({ data }) => Buffer.from(data.isRaw() ? data.bin : data.generate()));
    assert.deepEqual(exeIcons, appIcons);

    // OnlyLoadAppFromAsar + EmbeddedAsarIntegrityValidation: Electron on Windows checks app.asar
    // against this resource and refuses to start without it.
    const integrity = resources.entries.find((entry) => entry.type === 'INTEGRITY' && entry.id === 'ELECTRONASAR');
    assert.ok(integrity, 'no ELECTRONASAR integrity resource');
    assert.deepEqual(JSON.parse(Buffer.from(integrity.bin).toString('utf8')), [
      { file: 'resources\\app.asar', alg: 'SHA256', value: headerSha256 },
    ]);
  });

  describe('installers', () => {
    const linuxAppFiles = ['syncscope', 'resources/app.asar', `resources/app.asar.unpacked/node_modules/@koromix/${nativePackage('linux')}/linux_x64/koffi.node`];

    test('ZIP for Linux and Windows: the executable, app.asar and the unpacked koffi.node', { timeout: 300_000 }, () => {
      for (const platform of PLATFORMS) {
        const [zip] = forgeMake(platform, outDir, zipDir, ['zip']);
        assert.equal(path.relative(outDir, zip), path.join('make/zip', platform, 'x64', `SyncScope-${platform}-x64-${version}.zip`));
        const names = run('unzip', ['-Z1', zip]).split('\n');
        const top = `SyncScope-${platform}-x64/`;
        const expected = platform === 'linux'
          ? linuxAppFiles
          : ['syncscope.exe', 'resources/app.asar', `resources/app.asar.unpacked/node_modules/@koromix/${nativePackage('win32')}/win32_x64/koffi.node`];
        for (const file of expected) assert.ok(names.includes(top + file), `${top}${file} missing from ${zip}`);
        if (platform === 'linux') assert.match(run('unzip', ['-Z', zip, `${top}syncscope`]), /^-rwx/, 'executable bit lost');
      }
    });

    test('deb: installs the app under /usr/lib/syncscope with a command, a desktop entry and the icon', {
      skip: runtimeMissing('dpkg-deb', ['dpkg-deb', '--version']),
      timeout: 300_000,
    }, () => {
      const [deb] = forgeMake('linux', outDir, zipDir, ['deb']);
      const info = run('dpkg-deb', ['-I', deb]);
      assert.match(info, /^ Package: syncscope$/m);
      assert.match(info, new RegExp(`^ Version: ${version.replaceAll('.', '\\.')}$`, 'm'));
      assert.match(info, /^ Architecture: amd64$/m);
      const listing = run('dpkg-deb', ['-c', deb]);
      for (const file of linuxAppFiles) assert.match(listing, new RegExp(`\\./usr/lib/syncscope/${escape(file)}$`, 'm'));
      assert.match(listing, /^-rwx.* \.\/usr\/lib\/syncscope\/syncscope$/m);
      assert.match(listing, /^l.* \.\/usr\/bin\/syncscope -> \.\.\/lib\/syncscope\/syncscope$/m);

      const root = path.join(work, 'deb-root');
      run('dpkg-deb', ['-x', deb, root]);
      const desktop = fs.readFileSync(path.join(root, 'usr/share/applications/syncscope.desktop'), 'utf8');
      assert.match(desktop, /^Name=SyncScope$/m);
      assert.match(desktop, /^Exec=syncscope %U$/m);
      assert.match(desktop, /^Icon=syncscope$/m);
      assert.equal(sha256(path.join(root, 'usr/share/pixmaps/syncscope.png')), sha256(path.join(repo, 'assets/icon.png')));
      assert.equal(sha256(path.join(root, 'usr/lib/syncscope/resources/app.asar')), sha256(packaged.linux.asar));
    });

    test('rpm: the same files, named and versioned', {
      skip: runtimeMissing('rpmbuild', ['rpmbuild', '--version']),
      timeout: 300_000,
    }, () => {
      const [rpm] = forgeMake('linux', outDir, zipDir, ['rpm']);
      const info = run('rpm', ['-qip', rpm]);
      assert.match(info, /^Name\s*: syncscope$/m);
      assert.match(info, new RegExp(`^Version\\s*: ${version.replaceAll('.', '\\.')}$`, 'm'));
      assert.match(info, /^Architecture: x86_64$/m);
      assert.match(info, /^License\s*: MIT$/m);
      const listing = run('rpm', ['-qlp', rpm]).split('\n');
      for (const file of [...linuxAppFiles.map((file) => `/usr/lib/syncscope/${file}`), '/usr/bin/syncscope', '/usr/share/applications/syncscope.desktop', '/usr/share/pixmaps/syncscope.png']) {
        assert.ok(listing.includes(file), `${file} missing from ${rpm}`);
      }
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
