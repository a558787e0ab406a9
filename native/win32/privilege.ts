// SeDebugPrivilege: held by an elevated administrator's token but disabled until asked for, and
// what lets a process open every other one (services included) to read its handles. Enabled once,
// when the backend starts; whether it could be is a capability, since it decides the advice an
// incomplete holder list gives ("run elevated" helps only where the privilege is missing).
import { handleSlot, takeHandle } from './handle';
import { ntdll } from './ntdll';
import { STATUS, ntSuccess, statusName } from './ntstatus';
import { CURRENT_PROCESS } from './structs';

// winnt.h: token access rights and SE_PRIVILEGE_ENABLED; wdm.h: SE_DEBUG_PRIVILEGE (a LUID's LowPart).
const TOKEN_QUERY = 0x0008;
const TOKEN_ADJUST_PRIVILEGES = 0x0020;
const SE_PRIVILEGE_ENABLED = 0x00000002;
export const SE_DEBUG_PRIVILEGE = 20;

/**
 * TOKEN_PRIVILEGES with one entry: DWORD PrivilegeCount, then LUID_AND_ATTRIBUTES
 * { LUID { DWORD LowPart; LONG HighPart }; DWORD Attributes }, all 4-byte aligned (16 bytes).
 */
function oneEnabledPrivilege(lowPart: number): Buffer {
  const state = Buffer.alloc(16);
  state.writeUInt32LE(1, 0);
  state.writeUInt32LE(lowPart, 4);
  state.writeInt32LE(0, 8);
  state.writeUInt32LE(SE_PRIVILEGE_ENABLED, 12);
  return state;
}

export type DebugPrivilege = { enabled: true } | { enabled: false; reason: string };

/** The reason when the token does not hold the privilege at all (a process not run elevated). */
export const DEBUG_PRIVILEGE_NOT_HELD =
  "this process's token does not hold SeDebugPrivilege (SyncScope is not running elevated), so processes of other users and services cannot be opened";

let outcome: DebugPrivilege | undefined;

/** Enables SeDebugPrivilege in this process's token if the token holds it; asks the OS once. */
export function enableDebugPrivilege(): DebugPrivilege {
  outcome ??= adjustToken();
  return outcome;
}

function adjustToken(): DebugPrivilege {
  const nt = ntdll();
  const slot = handleSlot();
  const opened = nt.NtOpenProcessToken(CURRENT_PROCESS, TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, slot);
  if (!ntSuccess(opened)) return { enabled: false, reason: `NtOpenProcessToken returned ${statusName(opened)}` };
  using token = takeHandle(slot);
  const status = nt.NtAdjustPrivilegesToken(token.value, 0, oneEnabledPrivilege(SE_DEBUG_PRIVILEGE), 0, null, null);
  // STATUS_NOT_ALL_ASSIGNED is a success code: the call worked, the token lacks the privilege.
  if (status >>> 0 === STATUS.NOT_ALL_ASSIGNED) return { enabled: false, reason: DEBUG_PRIVILEGE_NOT_HELD };
  if (!ntSuccess(status)) return { enabled: false, reason: `NtAdjustPrivilegesToken(SeDebugPrivilege) returned ${statusName(status)}` };
  return { enabled: true };
}
