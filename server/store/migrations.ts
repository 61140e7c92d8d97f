/**
 * Schema migrations, in order. Migration i (0-based) takes the database from
 * `user_version` i to i + 1. Never edit a shipped migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE missions (
    id             TEXT PRIMARY KEY,
    goal           TEXT NOT NULL,
    state          TEXT NOT NULL,
    workspace_root TEXT NOT NULL,
    provider       TEXT NOT NULL,
    replaying      INTEGER NOT NULL DEFAULT 0,
    config_json    TEXT NOT NULL,
    plan_json      TEXT,
    sandbox_path   TEXT,
    sandbox_kind   TEXT,
    base_ref       TEXT,
    error          TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
  );
  CREATE TABLE tasks (
    mission_id      TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    title           TEXT NOT NULL,
    role            TEXT NOT NULL,
    instructions    TEXT NOT NULL,
    acceptance_json TEXT NOT NULL,
    state           TEXT NOT NULL,
    agent_id        TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    report_json     TEXT,
    error           TEXT,
    started_at      INTEGER,
    ended_at        INTEGER,
    PRIMARY KEY (mission_id, id)
  );
  CREATE TABLE task_deps (
    mission_id TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    PRIMARY KEY (mission_id, task_id, depends_on),
    FOREIGN KEY (mission_id, task_id) REFERENCES tasks(mission_id, id) ON DELETE CASCADE
  );
  CREATE TABLE agents (
    id         TEXT PRIMARY KEY,
    mission_id TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    task_id    TEXT,
    role       TEXT NOT NULL,
    provider   TEXT NOT NULL,
    model      TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    content_json TEXT NOT NULL,
    created_at   INTEGER NOT NULL
  );
  CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    mission_id   TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    agent_id     TEXT,
    task_id      TEXT,
    kind         TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    text         TEXT NOT NULL,
    tool         TEXT,
    tool_call_id TEXT,
    args         TEXT,
    ok           INTEGER,
    turn_ms      REAL,
    model_ms     REAL
  );
  CREATE INDEX events_mission ON events(mission_id, seq);
  CREATE TABLE changes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    mission_id       TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    path             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL,
    base_content     TEXT,
    proposed_content TEXT,
    added            INTEGER NOT NULL,
    removed          INTEGER NOT NULL,
    decided_at       INTEGER
  );
  CREATE INDEX changes_mission ON changes(mission_id);
  CREATE TABLE usage (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    mission_id    TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    agent_id      TEXT NOT NULL,
    task_id       TEXT,
    provider      TEXT NOT NULL,
    model         TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_usd      REAL NOT NULL,
    model_ms      REAL NOT NULL,
    ts            INTEGER NOT NULL
  );
  CREATE INDEX usage_mission ON usage(mission_id);
  `,
  `
  ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'work';
  ALTER TABLE tasks ADD COLUMN write_set_json TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE tasks ADD COLUMN checks_json TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE tasks ADD COLUMN added_deps_json TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE evidence (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    mission_id  TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    task_id     TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    command     TEXT NOT NULL,
    exit_code   INTEGER,
    duration_ms REAL NOT NULL,
    output_tail TEXT NOT NULL,
    passed      INTEGER NOT NULL,
    ts          INTEGER NOT NULL
  );
  CREATE INDEX evidence_task ON evidence(mission_id, task_id);
  ALTER TABLE missions ADD COLUMN integrated_ref TEXT;
  `,
  `
  CREATE TABLE hunk_decisions (
    change_id  INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
    hunk_index INTEGER NOT NULL,
    state      TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (change_id, hunk_index)
  );
  CREATE TABLE inbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    mission_id    TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    task_id       TEXT,
    agent_id      TEXT,
    kind          TEXT NOT NULL,
    subject       TEXT,
    title         TEXT NOT NULL,
    detail        TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    response_json TEXT,
    responded_at  INTEGER,
    responded_by  TEXT
  );
  CREATE INDEX inbox_mission ON inbox(mission_id, state);
  `,
];
