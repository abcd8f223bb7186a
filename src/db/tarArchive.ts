/**
 * The part of ustar (POSIX tar) the embedded template needs: regular files and directories with
 * names under 100 bytes, nothing else (no links, no owners, no times). What it writes any `tar`
 * can list; what it reads is checked as if hostile, because a path from an archive becomes a path
 * on disk.
 */

export type TarEntry = { path: string; type: 'dir' } | { path: string; type: 'file'; data: Uint8Array };

const BLOCK = 512;
/** ustar's name field; a data directory's longest path is about 35 bytes (`base/<oid>/<oid>_fsm`). */
const NAME_BYTES = 100;
/** An 11-digit octal size field holds up to 8 GiB; PGlite's largest file (a WAL segment) is 16 MiB. */
const MAX_SIZE = 8 ** 11 - 1;

export function packTar(entries: Iterable<TarEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === 'file' ? entry.data : new Uint8Array(0);
    parts.push(header(entry.type === 'dir' ? `${entry.path}/` : entry.path, entry.type, data.length));
    if (data.length > 0) {
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.length));
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end of archive: two zero blocks
  return Buffer.concat(parts);
}

/** The entries of `tar`, in order; file data are views into it (no copy). Throws on anything unexpected. */
export function* unpackTar(tar: Uint8Array): Generator<TarEntry> {
  const buf = Buffer.from(tar.buffer, tar.byteOffset, tar.length);
  for (let offset = 0; ; ) {
    if (offset + BLOCK > buf.length) throw new Error('tar: truncated (no end-of-archive blocks)');
    const block = buf.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) return;
    if (checksum(block) !== readOctal(block, 148, 8)) throw new Error(`tar: bad header checksum at byte ${offset}`);
    const rawName = readString(block, 0, NAME_BYTES);
    const prefix = readString(block, 257, 6) === 'ustar' ? readString(block, 345, 155) : '';
    const path = safePath(prefix ? `${prefix}/${rawName}` : rawName);
    const size = readOctal(block, 124, 12);
    const type = String.fromCharCode(block[156] ?? 0);
    offset += BLOCK;
    if (offset + size > buf.length) throw new Error(`tar: truncated in ${path}`);
    if (type === '5') {
      yield { path, type: 'dir' };
    } else if (type === '0' || type === '\0') {
      yield { path, type: 'file', data: buf.subarray(offset, offset + size) };
    } else {
      throw new Error(`tar: ${path} is neither a file nor a directory (type ${JSON.stringify(type)})`);
    }
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
}

function header(name: string, type: TarEntry['type'], size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > NAME_BYTES) throw new TypeError(`tar: name longer than ${NAME_BYTES} bytes: ${name}`);
  if (size > MAX_SIZE) throw new TypeError(`tar: ${name} is larger than ustar can say (${size} bytes)`);
  block.write(name, 0, 'utf8');
  writeOctal(block, 100, 8, type === 'dir' ? 0o700 : 0o600);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0); // mtime
  block.write(type === 'dir' ? '5' : '0', 156, 'latin1');
  block.write('ustar\x0000', 257, 'latin1');
  // The checksum is computed with its own field read as spaces, then stored as 6 digits, NUL, space.
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\x00 `, 148, 'latin1');
  return block;
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\x00`, offset, 'latin1');
}

function readOctal(block: Buffer, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  if (!/^[0-7]{1,11}$/.test(text)) throw new Error(`tar: bad number field ${JSON.stringify(text)} at header byte ${offset}`);
  return Number.parseInt(text, 8);
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end === -1 ? length : end);
}

/** A relative path that stays inside the directory it is extracted to, without a trailing slash. */
function safePath(name: string): string {
  const parts = name.replace(/^\.?\/+/, '').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..' || p.includes('\\'))) {
    throw new Error(`tar: unsafe path ${JSON.stringify(name)}`);
  }
  return parts.join('/');
}
