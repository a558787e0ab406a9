// Quitting: the engine gets a bounded time to stop demos and release what it holds, and the app
// quits whatever happens in that time (a clean-up that throws or hangs must not keep it alive).
import { messageOf } from '../native/errors';


/** Runs `cleanUp` (bounded by `timeoutMs`), reports a failure through `log`, then always `quit`s. */
export async function cleanUpThenQuit(cleanUp: () => Promise<void>, quit: () => void, log: (line: string) => void, timeoutMs = 8000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      cleanUp(),
      new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`clean-up took over ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } catch (error) {
    log(`syncscope: quitting despite a failed clean-up: ${messageOf(error)}`);
  } finally {
    clearTimeout(timer);
    quit();
  }
}
