-- schema.sql - the nooks results store (SQLite).
--
-- Migrations, applied in order by db/store.c: each block starting with a line
-- "-- @migration N" brings a database from user_version N-1 to N inside one
-- transaction.  Never edit a released block: append a new one.  The report,
-- compare and gate queries are the views at the end (recreated by the last
-- migration that touches them); code never builds report SQL by hand.

-- @migration 1
CREATE TABLE images (
	id INTEGER PRIMARY KEY,
	kernel_version TEXT NOT NULL,
	vmlinux_sha256 TEXT NOT NULL,
	initramfs_sha256 TEXT NOT NULL,
	first_used TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
	UNIQUE (kernel_version, vmlinux_sha256, initramfs_sha256)
);

CREATE TABLE campaigns (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	spec_json TEXT NOT NULL,		-- canonical spec text
	spec_hash TEXT NOT NULL,		-- resume key: same name + hash = same campaign
	seed INTEGER NOT NULL,
	image_id INTEGER REFERENCES images(id),
	planned INTEGER NOT NULL,		-- number of planned trials
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
	finished_at TEXT,
	UNIQUE (name, spec_hash)
);

CREATE TABLE extensions (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	module TEXT NOT NULL,
	device TEXT,
	workload TEXT NOT NULL,
	UNIQUE (campaign_id, name)
);

-- One fault descriptor: what the injector turns into bytes.  Shared by the
-- native and nooks trials of the same index (paired comparison).
CREATE TABLE faults (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	extension_id INTEGER NOT NULL REFERENCES extensions(id) ON DELETE CASCADE,
	idx INTEGER NOT NULL,			-- index within the extension
	types TEXT NOT NULL,			-- comma-separated fault types
	count INTEGER NOT NULL,			-- faults per trial
	seed INTEGER NOT NULL,			-- injector seed
	UNIQUE (extension_id, idx)
);

CREATE TABLE mutations (
	id INTEGER PRIMARY KEY,
	fault_id INTEGER NOT NULL REFERENCES faults(id) ON DELETE CASCADE,
	n INTEGER NOT NULL,			-- order in the injector's description
	type TEXT NOT NULL,
	section TEXT,
	symbol TEXT,
	sym_offset INTEGER,
	file_offset INTEGER,
	old_bytes TEXT,				-- hex
	new_bytes TEXT,
	disasm_before TEXT,
	disasm_after TEXT,
	UNIQUE (fault_id, n)
);

CREATE TABLE crash_signatures (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	title TEXT NOT NULL,			-- normalized, the dedup key
	first_seen TEXT NOT NULL,
	last_seen TEXT NOT NULL,
	count INTEGER NOT NULL DEFAULT 0,
	example_trial_id INTEGER,
	UNIQUE (kind, title)
);

-- One row per planned trial, written once in a single transaction when the
-- trial is finished (infra errors are retried first; see infra_attempts).
CREATE TABLE trials (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	fault_id INTEGER NOT NULL REFERENCES faults(id) ON DELETE CASCADE,
	key TEXT NOT NULL,			-- deterministic planner key
	mode TEXT NOT NULL CHECK (mode IN ('native', 'nooks')),
	outcome TEXT NOT NULL CHECK (outcome IN ('no_effect', 'functional', 'crash',
		'hang', 'recovered', 'recovered_degraded', 'detected_unrecovered',
		'infra_error')),
	attempts INTEGER NOT NULL DEFAULT 1,
	crashed INTEGER NOT NULL DEFAULT 0,
	crash_kind TEXT,
	crash_title TEXT,
	guilty_function TEXT,
	guilty_module TEXT,
	signature_id INTEGER REFERENCES crash_signatures(id),
	detection TEXT,				-- NIM detection mechanism
	recovery_ms REAL,			-- NIM recovery latency
	deadlines_hit TEXT,			-- comma-separated: boot,heartbeat,total
	workload_pass INTEGER,
	workload_reason TEXT,
	metrics_json TEXT,
	nim_events_json TEXT,
	boot_ms INTEGER,
	workload_ms INTEGER,
	wall_ms INTEGER,
	error TEXT,				-- infra error message, if any
	finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
	UNIQUE (campaign_id, key)
);
CREATE INDEX trials_fault ON trials(fault_id);

-- Console and agent logs, zlib-compressed (or by path when not captured).
CREATE TABLE logs (
	trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('console', 'agent', 'describe')),
	raw_size INTEGER NOT NULL,
	zdata BLOB,
	path TEXT,
	PRIMARY KEY (trial_id, kind)
);

CREATE TABLE infra_attempts (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	key TEXT NOT NULL,
	error TEXT NOT NULL,
	at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

-- @migration 2
-- Report views.  Counted trials exclude infra_error everywhere.
CREATE VIEW v_trials AS
	SELECT t.*, e.name AS extension, f.idx AS fault_idx, f.types AS fault_types,
	       f.count AS fault_count, f.seed AS fault_seed,
	       (t.outcome IN ('crash', 'hang')) AS is_crashing,
	       (t.outcome IN ('no_effect', 'functional', 'recovered',
			      'recovered_degraded', 'detected_unrecovered')) AS survived
	FROM trials t JOIN faults f ON f.id = t.fault_id
	JOIN extensions e ON e.id = f.extension_id;

CREATE VIEW v_outcomes AS
	SELECT campaign_id, extension, mode, outcome, COUNT(*) AS n
	FROM v_trials WHERE outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode, outcome;

CREATE VIEW v_outcomes_by_type AS
	SELECT campaign_id, extension, fault_types, mode, outcome, COUNT(*) AS n
	FROM v_trials WHERE outcome <> 'infra_error'
	GROUP BY campaign_id, extension, fault_types, mode, outcome;

-- Paired: faults whose native trial crashed or hung, with the nooks outcome.
CREATE VIEW v_paired AS
	SELECT n.campaign_id, n.extension, n.fault_types, n.fault_id,
	       n.outcome AS native_outcome, k.outcome AS nooks_outcome,
	       n.id AS native_trial_id, k.id AS nooks_trial_id,
	       k.survived AS nooks_survived, k.recovery_ms AS recovery_ms
	FROM v_trials n JOIN v_trials k
	  ON k.fault_id = n.fault_id AND k.mode = 'nooks'
	WHERE n.mode = 'native' AND n.is_crashing
	  AND k.outcome <> 'infra_error';

CREATE VIEW v_survival AS
	SELECT campaign_id, extension, COUNT(*) AS crashing,
	       SUM(nooks_survived) AS survived
	FROM v_paired GROUP BY campaign_id, extension;

-- Per campaign/extension/mode: counted trials, and runs without crash/hang.
CREATE VIEW v_mode_summary AS
	SELECT campaign_id, extension, mode, COUNT(*) AS n,
	       SUM(NOT is_crashing) AS no_crash,
	       SUM(outcome = 'no_effect') AS no_effect
	FROM v_trials WHERE outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode;

CREATE VIEW v_signatures AS
	SELECT t.campaign_id, s.id AS signature_id, s.kind, s.title,
	       COUNT(*) AS n, MIN(t.id) AS example_trial_id,
	       MIN(t.finished_at) AS first_seen, MAX(t.finished_at) AS last_seen,
	       SUM(t.mode = 'native') AS native_n, SUM(t.mode = 'nooks') AS nooks_n
	FROM trials t JOIN crash_signatures s ON s.id = t.signature_id
	GROUP BY t.campaign_id, s.id;

CREATE VIEW v_progress AS
	SELECT c.id AS campaign_id, c.name, c.planned,
	       (SELECT COUNT(*) FROM trials t WHERE t.campaign_id = c.id) AS stored,
	       c.created_at, c.finished_at
	FROM campaigns c;
