// System call numbers of ntdll's Nt* functions, without trusting any single stub's bytes.
//
// Two sources: the stub itself (x64: `mov r10, rcx; mov eax, imm32`), which a security product's
// hook or another architecture replaces; and the order of ntdll's Zw* exports by address, which
// is the order of the numbers on x64 Windows (each stub is laid out in number order, so the n-th
// Zw stub by address is call n). Hooks patch bytes, not addresses, so the order survives them.
// The order is used only when it agrees with every stub that is still plain: that check is what
// makes it more than folklore on the machine at hand. A number neither source vouches for is
// unknown, with the reason.

/** One named export of a PE image: its name and the RVA of its code (forwarders left out). */
export interface ExportEntry {
  name: string;
  rva: number;
}

// PE/COFF layout (Microsoft "PE Format"): e_lfanew @0x3C; "PE\0\0"; a 20-byte COFF header; the
// optional header, whose magic 0x20B (PE32+) or 0x10B (PE32) places the data directories at 112
// or 96; entry 0 of those is the export table (RVA, size).
const PE32_PLUS = 0x20b;
const PE32 = 0x10b;

/** Where a PE image's export data lies (RVA and size), read from its headers; undefined when not a PE32(+) image with exports. */
export function exportTableRange(headers: Buffer): { rva: number; size: number } | undefined {
  const u16 = (at: number) => (at + 2 <= headers.length ? headers.readUInt16LE(at) : undefined);
  const u32 = (at: number) => (at + 4 <= headers.length ? headers.readUInt32LE(at) : undefined);
  if (u16(0) !== 0x5a4d) return undefined; // "MZ"
  const pe = u32(0x3c);
  if (pe === undefined || u32(pe) !== 0x00004550) return undefined; // "PE\0\0"
  const optional = pe + 24;
  const magic = u16(optional);
  const directories = magic === PE32_PLUS ? optional + 112 : magic === PE32 ? optional + 96 : undefined;
  if (directories === undefined) return undefined;
  const rva = u32(directories);
  const size = u32(directories + 4);
  return rva && size ? { rva, size } : undefined;
}

/**
 * The named exports of a PE image mapped at RVA 0 of `image` (the loaded module's bytes from its
 * base up to at least the end of its export data). Empty when the bytes are not such an image.
 */
export function readExports(image: Buffer): ExportEntry[] {
  const u16 = (at: number) => (at + 2 <= image.length ? image.readUInt16LE(at) : undefined);
  const u32 = (at: number) => (at + 4 <= image.length ? image.readUInt32LE(at) : undefined);
  const range = exportTableRange(image);
  if (!range) return [];
  const { rva: exportRva, size: exportSize } = range;
  // IMAGE_EXPORT_DIRECTORY: NumberOfNames @24, AddressOfFunctions @28, AddressOfNames @32,
  // AddressOfNameOrdinals @36.
  const names = u32(exportRva + 24) ?? 0;
  const functions = u32(exportRva + 28);
  const nameRvas = u32(exportRva + 32);
  const ordinals = u32(exportRva + 36);
  if (functions === undefined || nameRvas === undefined || ordinals === undefined) return [];
  const entries: ExportEntry[] = [];
  for (let i = 0; i < names; i++) {
    const nameRva = u32(nameRvas + 4 * i);
    const ordinal = u16(ordinals + 2 * i);
    if (nameRva === undefined || ordinal === undefined) break;
    const rva = u32(functions + 4 * ordinal);
    const end = image.indexOf(0, nameRva);
    if (rva === undefined || end < 0 || nameRva >= image.length) continue;
    // An RVA inside the export data is a forwarder string ("NTDLL.RtlFoo"), not code.
    if (rva >= exportRva && rva < exportRva + exportSize) continue;
    entries.push({ name: image.toString('latin1', nameRva, end), rva });
  }
  return entries;
}

/**
 * The syscall number in an x64 ntdll stub: `mov r10, rcx` (4C 8B D1) then `mov eax, imm32`
 * (B8 xx xx xx xx). Undefined when the bytes are not such a stub (hooked, or not x64).
 */
export function syscallNumberFromStub(stub: Uint8Array): number | undefined {
  if (stub.length < 8) return undefined;
  if (stub[0] !== 0x4c || stub[1] !== 0x8b || stub[2] !== 0xd1 || stub[3] !== 0xb8) return undefined;
  return (stub[4] | (stub[5] << 8) | (stub[6] << 16) | (stub[7] << 24)) >>> 0;
}

/** Nt name -> number by the order of the Zw* exports' addresses (one number per distinct address). */
export function numbersByExportOrder(exports: readonly ExportEntry[]): Map<string, number> {
  const byRva = new Map<number, string[]>();
  for (const entry of exports) {
    if (!entry.name.startsWith('Zw')) continue;
    const names = byRva.get(entry.rva) ?? [];
    names.push(`Nt${entry.name.slice(2)}`);
    byRva.set(entry.rva, names);
  }
  const numbers = new Map<string, number>();
  [...byRva.keys()].sort((a, b) => a - b).forEach((rva, index) => {
    for (const name of byRva.get(rva)!) numbers.set(name, index);
  });
  return numbers;
}

export interface SyscallTable {
  /** Nt name -> number, for each name asked about whose number is known. */
  numbers: Map<string, number>;
  /** Nt name -> why its number is unknown. */
  unknown: Map<string, string>;
  /** How the export order fared against the plain stubs: trusted only with no disagreement. */
  order: { agreeing: number; disagreeing: number; trusted: boolean };
}

/**
 * The numbers of `wanted`, from each one's own stub where it is plain, else from the export order
 * where that order agrees with every plain Zw stub of the image (and at least one). `stubOf`
 * gives the first bytes at an export's RVA.
 */
export function resolveSyscallNumbers(
  wanted: readonly string[],
  exports: readonly ExportEntry[],
  stubOf: (rva: number) => Uint8Array,
): SyscallTable {
  const order = numbersByExportOrder(exports);
  const rvaOf = new Map(exports.map((entry) => [entry.name, entry.rva]));
  let agreeing = 0;
  let disagreeing = 0;
  for (const [name, number] of order) {
    const rva = rvaOf.get(`Zw${name.slice(2)}`);
    const fromStub = rva === undefined ? undefined : syscallNumberFromStub(stubOf(rva));
    if (fromStub === undefined) continue;
    if (fromStub === number) agreeing++;
    else disagreeing++;
  }
  const trusted = agreeing > 0 && disagreeing === 0;
  const numbers = new Map<string, number>();
  const unknown = new Map<string, string>();
  for (const name of wanted) {
    const rva = rvaOf.get(name);
    if (rva === undefined) {
      unknown.set(name, `ntdll does not export ${name}`);
      continue;
    }
    const fromStub = syscallNumberFromStub(stubOf(rva));
    const fromOrder = order.get(name);
    if (fromStub !== undefined) numbers.set(name, fromStub);
    else if (trusted && fromOrder !== undefined) numbers.set(name, fromOrder);
    else unknown.set(name, unknownReason(name, { agreeing, disagreeing, trusted }, fromOrder !== undefined));
  }
  return { numbers, unknown, order: { agreeing, disagreeing, trusted } };
}

function unknownReason(name: string, order: SyscallTable['order'], ordered: boolean): string {
  const stub = `the ${name} stub in ntdll is not a plain x64 syscall stub (hooked, or another architecture)`;
  if (!ordered) return `${stub}, and ntdll has no Zw export at its address to number it by order: its syscall number is unknown`;
  if (order.disagreeing > 0) {
    return `${stub}, and the order of ntdll's Zw exports disagrees with ${order.disagreeing} plain stub(s): its syscall number is unknown`;
  }
  return `${stub}, and no plain Zw stub is left to check the export order against: its syscall number is unknown`;
}
