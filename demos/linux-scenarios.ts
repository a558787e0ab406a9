// The Linux plan: POSIX and System V semaphores and file locks stand in for the Win32 objects.
import type { ScenarioName, ScenarioPlan } from './scenarios';
import { unsupported } from '../native/errors';

export function linuxPlan(scenario: ScenarioName, _workers: number, _name: (short: string) => string): ScenarioPlan {
  throw unsupported('demo', `the ${scenario} demo has no Linux plan yet`);
}
