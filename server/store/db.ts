/**
 * The embedded sql.js database: opening, schema migrations and persistence.
 *
 * sql.js keeps the whole database in memory; `export()` serialises all of it. So the file
 * is written off the hot path: writes only mark the database dirty, and a debounced flush
 * (FLUSH_DELAY_MS) exports and writes it atomically — a temporary file in the same folder,
 * fsync, then rename(2) over the old file — so a crash leaves either the old or the new
 * file, never a torn one. Issue 5 adds a journal so acknowledged events survive kill -9.
 *
 * Schema versions follow SQLite's `PRAGMA user_version` (https://sqlite.org/pragma.html#pragma_user_version).
 */
import initSqlJs, { type Database, type SqlValue, type Statement } from 'sql.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS } from './migrations';

/** Delay between the first write after a flush and the next file write (ms). */
export const FLUSH_DELAY_MS = 200;

type SqlJsStatic = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: Promise<SqlJsStatic> | undefined;

/**
 * Finds sql-wasm.wasm: beside the bundle (dist/, where esbuild.mjs copies it) or, when
 * running from sources under tsx, in node_modules/sql.js/dist.
 */
function locateWasm(file: string): string {
  const beside = path.join(__dirname, file);
  if (fs.existsSync(beside)) return beside;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'node_modules', 'sql.js', 'dist', file);
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`sql.js: cannot find ${file} beside ${__dirname} or in node_modules/sql.js/dist`);
}

/** A row as an object of column name → value. */
export type Row = Record<string, SqlValue>;

/** The database handle used by the store's repositories. */
export class Db {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Prepared statements by SQL text. sql.js frees every statement in export(), so flushNow clears it. */
  private readonly statements = new Map<string, Statement>();

  private constructor(
    private readonly db: Database,
    /** File the database persists to; null keeps it in memory only. */
    readonly file: string | null,
  ) {}

  /**
   * Opens (or creates) the database at `file` and migrates it to the latest schema.
   * @param file path of the database file, or null for an in-memory database.
   * @throws Error when the file exists but is not a SQLite database, or its schema is newer
   *   than this build knows.
   */
  static async open(file: string | null): Promise<Db> {
    sqlJs ??= initSqlJs({ locateFile: locateWasm });
    const SQL = await sqlJs;
    let data: Uint8Array | undefined;
    if (file && fs.existsSync(file)) data = fs.readFileSync(file);
    const db = new SQL.Database(data);
    const handle = new Db(db, file);
    try {
      handle.migrate();
    } catch (err) {
      db.close();
      throw new Error(`Cannot open the Taskforce database ${file ?? '(memory)'}: ${(err as Error).message}`);
    }
    if (file) handle.flushNow();
    return handle;
  }

  private migrate(): void {
    const current = Number(this.db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
    if (current > MIGRATIONS.length) {
      throw new Error(`schema version ${current} is newer than this build (${MIGRATIONS.length})`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.exec('BEGIN');
      try {
        this.db.exec(MIGRATIONS[v]);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
        this.db.exec('COMMIT');
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw new Error(`migration ${v + 1} failed: ${(err as Error).message}`);
      }
    }
    this.db.exec('PRAGMA foreign_keys = ON');
  }

  /** The schema version after migrations. */
  get version(): number {
    return Number(this.db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
  }

  private prepared(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs a statement that changes data; schedules a flush. Returns the last insert rowid. */
  run(sql: string, params: SqlValue[] = []): number {
    this.prepared(sql).run(params);
    this.markDirty();
    const id = this.get('SELECT last_insert_rowid() AS id')?.id;
    return Number(id ?? 0);
  }

  /** Runs a query and returns every row as an object. */
  all(sql: string, params: SqlValue[] = []): Row[] {
    const stmt = this.prepared(sql);
    try {
      stmt.bind(params);
      const rows: Row[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.reset();
    }
  }

  /** Runs a query and returns its first row, if any. */
  get(sql: string, params: SqlValue[] = []): Row | undefined {
    return this.all(sql, params)[0];
  }

  /** Runs `fn` in a transaction; rolls back and rethrows on error. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      this.markDirty();
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  private markDirty(): void {
    if (!this.file || this.closed) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushNow();
    }, FLUSH_DELAY_MS);
  }

  /**
   * Writes the database to its file now, atomically (temporary file, fsync, rename).
   * @throws Error when the folder is not writable.
   */
  flushNow(): void {
    if (!this.file) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.statements.clear(); // export() frees them
    const data = this.db.export();
    // export() ends the connection's transactions and resets pragmas; restore them.
    this.db.exec('PRAGMA foreign_keys = ON');
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.dirty = false;
  }

  /** Flushes pending writes and closes the database. */
  close(): void {
    if (this.closed) return;
    if (this.dirty) this.flushNow();
    if (this.timer) clearTimeout(this.timer);
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
