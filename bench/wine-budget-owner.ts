// The object owner of the Wine CPU-budget figures (bench/wine-budget.bench.ts), run in the Windows
// node.exe under Wine: creates N named objects (a third each events, mutexes, semaphores), holds
// them, and changes 1 % of them (events set and reset in turn, semaphores released by one; mutexes
// stay idle) at every 100 ms tick until told to stop.
//
//   node.exe wine-budget-owner.cjs READY_FILE COUNT NAME_PREFIX
//
// node.exe cannot write to a pipe under Wine: READY_FILE (Z:\... is the Linux file) gets
// {ready, pid, created, hot, createdMs} once every object exists; the Linux side creates
// READY_FILE.stop to end it (or it ends by itself after 5 minutes, should the driver be killed). The objects live as long as this process's handles: they vanish
// with it, however it ends.
import fs from 'node:fs';
import koffi from 'koffi';

const [readyFile, countArg, namePrefix] = process.argv.slice(2);
const count = Number(countArg);
if (!readyFile || !Number.isInteger(count) || count < 3 || !namePrefix) {
  throw new Error('usage: wine-budget-owner.cjs READY_FILE COUNT NAME_PREFIX');
}
const TICK_MS = 100;
/** A run of one size takes under a minute: past this, its driver is gone (killed outright). */
const LIFETIME_MS = 5 * 60_000;

// kernel32 directly: the owner stands for any Windows program holding its objects, and its calls
// must cost the measured inspector nothing but the state changes themselves.
const kernel32 = koffi.load('kernel32.dll');
const CreateEventW = kernel32.func('void *CreateEventW(void *attributes, int manual, int initial, str16 name)');
const CreateMutexW = kernel32.func('void *CreateMutexW(void *attributes, int owned, str16 name)');
const CreateSemaphoreW = kernel32.func('void *CreateSemaphoreW(void *attributes, long initial, long maximum, str16 name)');
const SetEvent = kernel32.func('int SetEvent(void *handle)');
const ResetEvent = kernel32.func('int ResetEvent(void *handle)');
const ReleaseSemaphore = kernel32.func('int ReleaseSemaphore(void *handle, long count, void *previous)');
const CloseHandle = kernel32.func('int CloseHandle(void *handle)');
const GetLastError = kernel32.func('uint32_t GetLastError()');

type Kind = 'event' | 'mutex' | 'semaphore';
const KINDS: Kind[] = ['event', 'mutex', 'semaphore'];
const objects: Array<{ kind: Kind; handle: unknown }> = [];

function closeAll(): void {
  for (const object of objects.splice(0)) CloseHandle(object.handle);
}

function create(kind: Kind, name: string): unknown {
  const handle =
    kind === 'event' ? CreateEventW(null, 1, 0, name) : kind === 'mutex' ? CreateMutexW(null, 0, name) : CreateSemaphoreW(null, 0, 0x7fffffff, name);
  if (!handle) throw new Error(`Create ${kind} ${name} failed (error ${GetLastError()})`);
  return handle;
}

const started = performance.now();
try {
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length];
    objects.push({ kind, handle: create(kind, `Local\\${namePrefix}_${i}`) });
  }
} catch (error) {
  closeAll();
  throw error;
}
const createdMs = performance.now() - started;

// The changing 1 %: the first events and semaphores (mutexes would need their owner's thread).
const hotCount = Math.max(1, Math.round(count / 100));
const hot = objects.filter((o) => o.kind !== 'mutex').slice(0, hotCount);
fs.writeFileSync(readyFile, JSON.stringify({ ready: true, pid: process.pid, created: objects.length, hot: hot.length, createdMs: Math.round(createdMs) }) + '\n');

let tick = 0;
let next = performance.now();
function change(): void {
  if (fs.existsSync(`${readyFile}.stop`)) {
    closeAll();
    return;
  }
  const setNow = tick % 2 === 0;
  for (const object of hot) {
    const ok = object.kind === 'semaphore' ? ReleaseSemaphore(object.handle, 1, null) : setNow ? SetEvent(object.handle) : ResetEvent(object.handle);
    // A workload that quietly shrank would flatter the inspector: end, and the driver fails the run.
    if (!ok) throw new Error(`changing a ${object.kind} failed (error ${GetLastError()})`);
  }
  tick++;
  next += TICK_MS;
  setTimeout(change, Math.max(0, next - performance.now()));
}
change();
setTimeout(() => {
  closeAll();
  process.exit(2);
}, LIFETIME_MS).unref();
