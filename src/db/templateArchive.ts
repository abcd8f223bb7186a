/**
 * The embedded template's archive (src/db/embeddedTemplate.ts): a gzipped tar of a PGlite data
 * directory, written and read with node-tar. This file holds only what the template asks beyond
 * tar's defaults: a byte-identical archive for the same tree, and an extraction that treats the
 * archive as hostile, because a path from an archive becomes a path on disk.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { create, extract, type ReadEntry } from 'tar';
import { DIR_MODE, FILE_MODE } from './fileModes.ts';

/** Archive times are fixed so that two builds of the same tree give the same bytes. */
const EPOCH = new Date(0);

/**
 * Bounds on what one archive may unpack to. A migrated template is about 1,100 entries and 41 MB
 * (a 16 MiB WAL segment is its largest file); past these the file is damaged or not ours.
 */
const MAX_ENTRIES = 100_000;
const MAX_BYTES = 512 * 1024 * 1024;

/** Entry types written as a file or a directory; anything else (links, devices, FIFOs) is refused. */
const FILE_TYPES = new Set<ReadEntry['type']>(['File', 'OldFile', 'ContiguousFile']);

/**
 * Writes the tree under `root` to `file` as a gzipped tar: directories before their contents,
 * names sorted, modes 0700/0600, time 0, no owners. Throws on anything but files and directories.
 */
export async function packTree(root: string, file: string): Promise<void> {
  await create(
    {
      file,
      cwd: root,
      gzip: { level: 9 },
      portable: true, // no uid, gid, owner names, atime or ctime
      mtime: EPOCH,
      noDirRecurse: true, // the list below is the whole archive, in its order
      strict: true,
      onWriteEntry: ({ stat, type }) => {
        // The archive states the private modes itself rather than whatever the build tree had.
        // (`stat` is missing only for entries copied from another archive, which this never adds.)
        if (stat) stat.mode = (stat.mode & ~0o7777) | (type === 'Directory' ? DIR_MODE : FILE_MODE);
      },
    },
    sortedPaths(root),
  );
}

/**
 * Unpacks the gzipped tar `file` into the existing directory `dir`, streaming from the file (no
 * whole archive in memory): directories 0700, files 0600. Throws on a corrupt or truncated archive,
 * a path that is absolute or climbs with `..`, an entry that is neither a file nor a directory, or
 * an archive past the bounds above. After a throw `dir` may hold part of the archive: unpack into
 * a staging directory and remove it on failure.
 */
export async function unpackTree(file: string, dir: string): Promise<void> {
  let refused: Error | undefined;
  let entries = 0;
  let bytes = 0;
  await extract({
    file,
    cwd: dir,
    // Every warning is an error: a bad checksum, a `..` or absolute path, a truncated body, a gzip error.
    strict: true,
    noMtime: true,
    dmode: DIR_MODE,
    fmode: FILE_MODE,
    // A filter can only skip an entry; the first refusal is kept and thrown once tar has finished,
    // and nothing after it is written.
    filter: (path, entry) => {
      if (refused) return false;
      const { type, size } = entry as ReadEntry;
      if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) {
        refused = new Error(`tar: unsafe path ${JSON.stringify(path)}`);
      } else if (!FILE_TYPES.has(type) && type !== 'Directory') {
        refused = new Error(`tar: ${path} is neither a file nor a directory (${type})`);
      } else if (++entries > MAX_ENTRIES || (bytes += size) > MAX_BYTES) {
        refused = new Error(`tar: more than ${MAX_ENTRIES} entries or ${MAX_BYTES} bytes`);
      }
      return !refused;
    },
    // Modes from the archive are not trusted: every entry is created private.
    onReadEntry: (entry) => {
      entry.mode = entry.type === 'Directory' ? DIR_MODE : FILE_MODE;
    },
  });
  if (refused) throw refused;
}

/** Every path under `root`, relative, a directory before its contents, siblings sorted by name. */
function sortedPaths(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split('\\').join('/');
      if (entry.isDirectory()) {
        out.push(rel);
        visit(path);
      } else if (entry.isFile()) {
        out.push(rel);
      } else {
        throw new Error(`tar: ${rel} is neither a file nor a directory`);
      }
    }
  };
  visit(root);
  return out;
}
