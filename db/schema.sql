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

-- @migration 3
-- The on-disk verdict of trials that had a disk (VFAT): after the VM exits
-- the host runs fsck.vfat -n on the trial's image (the paper's VFAT metric:
-- was the filesystem left corrupt?).  fs_corrupt: a finding beyond the dirty
-- bit, which every crash with the filesystem mounted leaves (fs_dirty).
-- NULL: the trial had no disk checked.
ALTER TABLE trials ADD COLUMN fs_corrupt INTEGER;
ALTER TABLE trials ADD COLUMN fsck_exit INTEGER;
ALTER TABLE trials ADD COLUMN fsck_summary TEXT;
ALTER TABLE trials ADD COLUMN fs_dirty INTEGER;		-- dirty bit left set (not unmounted)
ALTER TABLE extensions ADD COLUMN disk TEXT;

-- Per campaign/extension/mode: counted trials whose disk was checked, and
-- how many of them left the filesystem corrupt.
CREATE VIEW v_fs_corrupt AS
	SELECT campaign_id, extension, mode, COUNT(*) AS checked,
	       SUM(fs_corrupt) AS corrupt, SUM(fs_dirty) AS dirty
	FROM v_trials WHERE fs_corrupt IS NOT NULL AND outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode;

-- The same by outcome class (is the corruption left by crashes or by runs
-- that looked fine?).
CREATE VIEW v_fs_corrupt_by_outcome AS
	SELECT campaign_id, extension, mode, outcome, COUNT(*) AS checked,
	       SUM(fs_corrupt) AS corrupt
	FROM v_trials WHERE fs_corrupt IS NOT NULL AND outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode, outcome;

-- @migration 4
-- Runtime-fault activation (docs/FAULTS.md): how many runtime faults swifi
-- armed in the trial and how many it injected ("swifi: event=armed/fired"
-- on the console).  NULL: nothing was armed (code faults only), so whether
-- the fault was activated is unknown, not 0.
ALTER TABLE trials ADD COLUMN fault_armed INTEGER;
ALTER TABLE trials ADD COLUMN fault_fired INTEGER;

-- Call profiles that chose N for runtime faults: the calls of every wrapped
-- function in a count-only run of (module, workload, workload args); key =
-- hash of those (docs/CAMPAIGNS.md).  Stored once, referenced per trial.
CREATE TABLE profiles (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL UNIQUE,
	profile_json TEXT NOT NULL,
	first_used TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
ALTER TABLE trials ADD COLUMN profile_id INTEGER REFERENCES profiles(id);

-- Per campaign/extension/mode/fault types: counted trials, trials whose
-- activation is known (runtime faults armed), runtime faults armed and
-- fired, and trials in which at least one fired.
CREATE VIEW v_activation AS
	SELECT campaign_id, extension, mode, fault_types, COUNT(*) AS n,
	       SUM(fault_armed IS NOT NULL) AS known,
	       SUM(fault_armed) AS armed, SUM(fault_fired) AS fired,
	       SUM(fault_fired > 0) AS trials_fired
	FROM v_trials WHERE outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode, fault_types;

-- @migration 5
-- Stage 2 (issue 8): a third mode, 'domains' (a nooks trial whose nooks.ko
-- runs with domains=1: every isolated extension gets a page-table
-- protection domain), and how the NIM detected a trial's first fault:
-- nim_detection = 'write_protect' (a "nooks: detail ... write_protect="
-- line: a write the domain did not grant) or the fault line's kind=
-- (page_fault, gpf, trap, bug, wrapper_check, leaked_lock, ...), NULL when
-- the NIM detected nothing; nim_target = the symbol a caught write aimed
-- at.  SQLite cannot change a CHECK constraint, so trials is rebuilt the
-- documented way (new table, copy, drop, rename; db/store.c runs
-- migrations with foreign keys off and runs foreign_key_check before the
-- commit).  Every view is dropped first and recreated below.
DROP VIEW v_trials;
DROP VIEW v_outcomes;
DROP VIEW v_outcomes_by_type;
DROP VIEW v_paired;
DROP VIEW v_survival;
DROP VIEW v_mode_summary;
DROP VIEW v_signatures;
DROP VIEW v_progress;
DROP VIEW v_fs_corrupt;
DROP VIEW v_fs_corrupt_by_outcome;
DROP VIEW v_activation;

CREATE TABLE trials_new (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	fault_id INTEGER NOT NULL REFERENCES faults(id) ON DELETE CASCADE,
	key TEXT NOT NULL,
	mode TEXT NOT NULL CHECK (mode IN ('native', 'nooks', 'domains')),
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
	detection TEXT,				-- the NIM's first fault line
	recovery_ms REAL,
	deadlines_hit TEXT,
	workload_pass INTEGER,
	workload_reason TEXT,
	metrics_json TEXT,
	nim_events_json TEXT,
	boot_ms INTEGER,
	workload_ms INTEGER,
	wall_ms INTEGER,
	error TEXT,
	finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
	fs_corrupt INTEGER,
	fsck_exit INTEGER,
	fsck_summary TEXT,
	fs_dirty INTEGER,
	fault_armed INTEGER,
	fault_fired INTEGER,
	profile_id INTEGER REFERENCES profiles(id),
	nim_detection TEXT,			-- write_protect, or the fault's kind=
	nim_target TEXT,			-- write_protect: target symbol
	UNIQUE (campaign_id, key)
);
INSERT INTO trials_new (id, campaign_id, fault_id, key, mode, outcome, attempts, crashed,
	crash_kind, crash_title, guilty_function, guilty_module, signature_id, detection,
	recovery_ms, deadlines_hit, workload_pass, workload_reason, metrics_json,
	nim_events_json, boot_ms, workload_ms, wall_ms, error, finished_at, fs_corrupt,
	fsck_exit, fsck_summary, fs_dirty, fault_armed, fault_fired, profile_id, nim_detection)
	SELECT id, campaign_id, fault_id, key, mode, outcome, attempts, crashed,
	crash_kind, crash_title, guilty_function, guilty_module, signature_id, detection,
	recovery_ms, deadlines_hit, workload_pass, workload_reason, metrics_json,
	nim_events_json, boot_ms, workload_ms, wall_ms, error, finished_at, fs_corrupt,
	fsck_exit, fsck_summary, fs_dirty, fault_armed, fault_fired, profile_id,
	-- stage-1 trials: the kind= of the stored first fault line
	CASE WHEN instr(detection, ' kind=') > 0 THEN
		substr(detection, instr(detection, ' kind=') + 6,
		       instr(substr(detection, instr(detection, ' kind=') + 6) || ' ', ' ') - 1)
	END
	FROM trials;
DROP TABLE trials;
ALTER TABLE trials_new RENAME TO trials;
CREATE INDEX trials_fault ON trials(fault_id);

-- Report views (as in migrations 2-4, plus the domains mode).  Counted
-- trials exclude infra_error everywhere.  nim_detected: the outcome says
-- the NIM detected a fault.
CREATE VIEW v_trials AS
	SELECT t.*, e.name AS extension, f.idx AS fault_idx, f.types AS fault_types,
	       f.count AS fault_count, f.seed AS fault_seed,
	       (t.outcome IN ('crash', 'hang')) AS is_crashing,
	       (t.outcome IN ('no_effect', 'functional', 'recovered',
			      'recovered_degraded', 'detected_unrecovered')) AS survived,
	       (t.outcome IN ('recovered', 'recovered_degraded',
			      'detected_unrecovered')) AS nim_detected
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

-- Paired, native vs nooks (gate, compare): faults whose native trial
-- crashed or hung, with the nooks outcome.
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

-- Paired, native vs every isolated mode (nooks, domains): per fault whose
-- native trial crashed or hung, the same descriptor's trial in that mode.
CREATE VIEW v_paired_modes AS
	SELECT n.campaign_id, n.extension, n.fault_types, n.fault_id, k.mode,
	       n.outcome AS native_outcome, k.outcome AS outcome,
	       n.id AS native_trial_id, k.id AS trial_id,
	       k.survived AS survived, k.nim_detection AS nim_detection,
	       k.recovery_ms AS recovery_ms
	FROM v_trials n JOIN v_trials k
	  ON k.fault_id = n.fault_id AND k.mode <> 'native'
	WHERE n.mode = 'native' AND n.is_crashing
	  AND k.outcome <> 'infra_error';

-- Per campaign/extension/isolated mode: native crashing faults, survived.
CREATE VIEW v_survival_modes AS
	SELECT campaign_id, extension, mode, COUNT(*) AS crashing,
	       SUM(survived) AS survived,
	       SUM(nim_detection = 'write_protect') AS write_protect
	FROM v_paired_modes GROUP BY campaign_id, extension, mode;

-- Per campaign/extension/mode: counted trials by detection mechanism
-- (NULL: the NIM detected nothing).
CREATE VIEW v_detection AS
	SELECT campaign_id, extension, mode, nim_detection, COUNT(*) AS n
	FROM v_trials WHERE outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode, nim_detection;

-- Caught by write protection that stage 1 missed: descriptors whose nooks
-- trial did not detect a fault (outcome not recovered, recovered_degraded
-- or detected_unrecovered) while the domains trial of the same descriptor
-- detected it through a write-protection fault.  mutated: the injector's
-- mutation sites (its symbol column already reads "function+0xOFF"; a
-- mutation outside any function: section+0xOFF).
CREATE VIEW v_wp_caught AS
	SELECT d.campaign_id, d.extension, d.fault_id, d.fault_idx, d.fault_types,
	       d.fault_seed, n.outcome AS native_outcome, k.outcome AS nooks_outcome,
	       d.outcome AS domains_outcome, d.nim_target AS target,
	       n.id AS native_trial_id, k.id AS nooks_trial_id, d.id AS domains_trial_id,
	       (SELECT group_concat(coalesce(m.symbol, coalesce(m.section, '?') || '+0x' ||
					     printf('%x', coalesce(m.sym_offset, 0))), ' ')
		FROM mutations m WHERE m.fault_id = d.fault_id) AS mutated
	FROM v_trials d JOIN v_trials k ON k.fault_id = d.fault_id AND k.mode = 'nooks'
	LEFT JOIN v_trials n ON n.fault_id = d.fault_id AND n.mode = 'native'
	WHERE d.mode = 'domains' AND d.nim_detection = 'write_protect'
	  AND d.outcome <> 'infra_error'
	  AND k.outcome <> 'infra_error' AND NOT k.nim_detected;

-- Per campaign/extension: descriptors counted in both nooks and domains
-- mode, and how many of them write protection caught that stage 1 missed.
CREATE VIEW v_wp_summary AS
	SELECT d.campaign_id, d.extension, COUNT(*) AS paired,
	       SUM(d.nim_detection = 'write_protect' AND NOT k.nim_detected) AS caught,
	       SUM(d.nim_detection = 'write_protect') AS write_protect
	FROM v_trials d JOIN v_trials k ON k.fault_id = d.fault_id AND k.mode = 'nooks'
	WHERE d.mode = 'domains' AND d.outcome <> 'infra_error'
	  AND k.outcome <> 'infra_error'
	GROUP BY d.campaign_id, d.extension;

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
	       SUM(t.mode = 'native') AS native_n, SUM(t.mode = 'nooks') AS nooks_n,
	       SUM(t.mode = 'domains') AS domains_n
	FROM trials t JOIN crash_signatures s ON s.id = t.signature_id
	GROUP BY t.campaign_id, s.id;

CREATE VIEW v_progress AS
	SELECT c.id AS campaign_id, c.name, c.planned,
	       (SELECT COUNT(*) FROM trials t WHERE t.campaign_id = c.id) AS stored,
	       c.created_at, c.finished_at
	FROM campaigns c;

CREATE VIEW v_fs_corrupt AS
	SELECT campaign_id, extension, mode, COUNT(*) AS checked,
	       SUM(fs_corrupt) AS corrupt, SUM(fs_dirty) AS dirty
	FROM v_trials WHERE fs_corrupt IS NOT NULL AND outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode;

CREATE VIEW v_fs_corrupt_by_outcome AS
	SELECT campaign_id, extension, mode, outcome, COUNT(*) AS checked,
	       SUM(fs_corrupt) AS corrupt
	FROM v_trials WHERE fs_corrupt IS NOT NULL AND outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode, outcome;

CREATE VIEW v_activation AS
	SELECT campaign_id, extension, mode, fault_types, COUNT(*) AS n,
	       SUM(fault_armed IS NOT NULL) AS known,
	       SUM(fault_armed) AS armed, SUM(fault_fired) AS fired,
	       SUM(fault_fired > 0) AS trials_fired
	FROM v_trials WHERE outcome <> 'infra_error'
	GROUP BY campaign_id, extension, mode, fault_types;

-- @migration 6
-- The kernel of every trial, and each extension's candidate sites.
--
-- images gains how its kernel was selected (image.json, docs/ARCHITECTURE.md):
-- kernel_source 'lock', 'fallback' or 'override', and kernel_locked, what
-- vm-images/kernel.lock asked for ("ABI=VERSION"); NULL for images recorded
-- before.  Both are part of an image's identity (a fallback run is not a
-- lock run), so images is rebuilt with a wider UNIQUE (store_image_id looks
-- rows up with IS, NULLs included).  campaigns keep their image ids.
CREATE TABLE images_new (
	id INTEGER PRIMARY KEY,
	kernel_version TEXT NOT NULL,
	vmlinux_sha256 TEXT NOT NULL,
	initramfs_sha256 TEXT NOT NULL,
	first_used TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
	kernel_source TEXT,
	kernel_locked TEXT,
	UNIQUE (kernel_version, vmlinux_sha256, initramfs_sha256, kernel_source, kernel_locked)
);
INSERT INTO images_new (id, kernel_version, vmlinux_sha256, initramfs_sha256, first_used)
	SELECT id, kernel_version, vmlinux_sha256, initramfs_sha256, first_used FROM images;
DROP TABLE images;
ALTER TABLE images_new RENAME TO images;

-- The image each trial ran on (a campaign resumed with --allow-kernel-change
-- mixes kernels); trials stored before ran on their campaign's image.
ALTER TABLE trials ADD COLUMN image_id INTEGER REFERENCES images(id);
UPDATE trials SET image_id = (SELECT c.image_id FROM campaigns c WHERE c.id = trials.campaign_id);

-- Candidate sites of each of the spec's fault types in an extension's
-- module, counted by the injector before planning (harness/campaign/sites.c; what
-- `nooks inject --sites` prints): instructions for code types, called
-- wrapped imports x N for runtime types.  0: the planner never gives the
-- extension that type.  No rows: a campaign planned before migration 6.
CREATE TABLE extension_sites (
	extension_id INTEGER NOT NULL REFERENCES extensions(id) ON DELETE CASCADE,
	fault_type TEXT NOT NULL,
	sites INTEGER NOT NULL,
	PRIMARY KEY (extension_id, fault_type)
);

-- Per campaign: the kernels its trials ran on (a trial without an image of
-- its own ran on its campaign's), with how each was selected.
CREATE VIEW v_kernels AS
	SELECT t.campaign_id, i.id AS image_id, i.kernel_version, i.kernel_source,
	       i.kernel_locked, COUNT(*) AS trials
	FROM trials t JOIN campaigns c ON c.id = t.campaign_id
	JOIN images i ON i.id = coalesce(t.image_id, c.image_id)
	GROUP BY t.campaign_id, i.id;

-- Per campaign/extension/fault type: the candidate sites counted at plan
-- time; ord: the order they were stored in (the spec's type order).
CREATE VIEW v_sites AS
	SELECT e.campaign_id, e.name AS extension, s.fault_type, s.sites, s.rowid AS ord
	FROM extension_sites s JOIN extensions e ON e.id = s.extension_id;

-- @migration 7
-- Shards (issue 21): `nooks campaign run --shard I/N` runs the trials of
-- every descriptor whose plan index is I-1 modulo N into a database of its
-- own; `nooks merge` joins shards.  A shard database records which shard it
-- holds (shard_index 1..N, shard_count N) and how many trials that shard
-- plans (shard_planned); planned stays the whole campaign's count, so every
-- shard and the merge agree on it.  NULL: the whole campaign (every
-- unsharded and every merged database).
ALTER TABLE campaigns ADD COLUMN shard_index INTEGER;
ALTER TABLE campaigns ADD COLUMN shard_count INTEGER;
ALTER TABLE campaigns ADD COLUMN shard_planned INTEGER;

-- Progress counts against what this database is meant to hold: the shard's
-- trials in a shard database.
DROP VIEW v_progress;
CREATE VIEW v_progress AS
	SELECT c.id AS campaign_id, c.name, coalesce(c.shard_planned, c.planned) AS planned,
	       (SELECT COUNT(*) FROM trials t WHERE t.campaign_id = c.id) AS stored,
	       c.created_at, c.finished_at, c.shard_index, c.shard_count
	FROM campaigns c;
