/**
 * The core's config and output structs in linear memory, by field name. The module
 * describes its own structs (native/wasm/layouts.cc: for every struct its size and, for
 * every field, the C member path such as "optimizer.lr", offset, kind and size), so no
 * offset is written down on this side: a field is found by its C name, and a name the
 * module does not describe is an error at the first use, not a silent wrong write.
 */
import type { Call, WasmExports } from './wasm-module';

/** FieldKind of layouts.cc. */
const KINDS = { 1: 'i32', 2: 'u32', 3: 'i64', 4: 'f64', 5: 'ptr', 6: 'chars' } as const;
type Kind = (typeof KINDS)[keyof typeof KINDS];

interface Field {
  offset: number;
  kind: Kind;
  size: number;
}

export interface Layout {
  name: string;
  size: number;
  fields: Map<string, Field>;
}

export type Layouts = Map<string, Layout>;

/** Byte size of layouts.cc's Field and Layout records (static_asserts there). */
const RECORD_BYTES = 16;

function cStringAt(bytes: Uint8Array, ptr: number): string {
  let end = ptr;
  while (bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(ptr, end)).toString('utf8');
}

/** Reads the module's table (ssm_wasm_layouts: records until a null name). */
export function readLayouts(ex: WasmExports): Layouts {
  const view = new DataView(ex.memory.buffer);
  const bytes = new Uint8Array(ex.memory.buffer);
  const layouts: Layouts = new Map();
  for (let at = ex.ssm_wasm_layouts(); ; at += RECORD_BYTES) {
    const name = view.getUint32(at, true);
    if (name === 0) break;
    const fields = new Map<string, Field>();
    const count = view.getUint32(at + 8, true);
    const first = view.getUint32(at + 12, true);
    for (let k = 0; k < count; k++) {
      const f = first + k * RECORD_BYTES;
      const kind = KINDS[view.getUint32(f + 8, true) as keyof typeof KINDS];
      if (!kind) throw new Error(`native/wasm layouts: unknown kind of field ${cStringAt(bytes, view.getUint32(f, true))}`);
      fields.set(cStringAt(bytes, view.getUint32(f, true)), { offset: view.getUint32(f + 4, true), kind, size: view.getUint32(f + 12, true) });
    }
    const structName = cStringAt(bytes, name);
    layouts.set(structName, { name: structName, size: view.getUint32(at + 4, true), fields });
  }
  return layouts;
}

/** One zeroed struct in a call's linear memory, written and read by field name. */
export class Struct {
  readonly ptr: number;
  private readonly layout: Layout;

  constructor(private readonly call: Call, structName: string) {
    const layout = call.layouts.get(structName);
    if (!layout) throw new Error(`native/wasm layouts: no struct ${structName}`);
    this.layout = layout;
    this.ptr = call.zeroed(layout.size, structName);
  }

  private field(name: string): Field {
    const f = this.layout.fields.get(name);
    if (!f) throw new Error(`native/wasm layouts: ${this.layout.name} has no field ${name}`);
    return f;
  }

  /** A view of the current memory (it is replaced when memory grows). */
  private view(): DataView {
    return new DataView(this.call.ex.memory.buffer);
  }

  /** Writes a number (an integer for integer fields, an offset for pointers). */
  set(name: string, value: number): this {
    const f = this.field(name);
    const view = this.view();
    const at = this.ptr + f.offset;
    switch (f.kind) {
      case 'f64': view.setFloat64(at, value, true); break;
      case 'i64': view.setBigInt64(at, BigInt(value), true); break;
      case 'i32': view.setInt32(at, value, true); break;
      case 'u32': case 'ptr': view.setUint32(at, value, true); break;
      default: throw new Error(`native/wasm layouts: ${this.layout.name}.${name} is not a number`);
    }
    return this;
  }

  /** Writes several fields, prefixed ("students." + "count"). */
  setAll(values: Record<string, number>, prefix = ''): this {
    for (const [key, v] of Object.entries(values)) this.set(prefix + key, v);
    return this;
  }

  get(name: string): number {
    const f = this.field(name);
    const view = this.view();
    const at = this.ptr + f.offset;
    switch (f.kind) {
      case 'f64': return view.getFloat64(at, true);
      case 'i64': return Number(view.getBigInt64(at, true));
      case 'i32': return view.getInt32(at, true);
      case 'u32': case 'ptr': return view.getUint32(at, true);
      default: throw new Error(`native/wasm layouts: ${this.layout.name}.${name} is not a number`);
    }
  }

  /** A NUL-terminated char array field. */
  text(name: string): string {
    const f = this.field(name);
    if (f.kind !== 'chars') throw new Error(`native/wasm layouts: ${this.layout.name}.${name} is not text`);
    const bytes = new Uint8Array(this.call.ex.memory.buffer, this.ptr + f.offset, f.size);
    const end = bytes.indexOf(0);
    return Buffer.from(bytes.subarray(0, end < 0 ? f.size : end)).toString('utf8');
  }

  /** The address of a field (the abort flag lives inside its config). */
  address(name: string): number {
    return this.ptr + this.field(name).offset;
  }
}
