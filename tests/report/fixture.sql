-- fixture.sql - three campaigns for the report, compare and gate tests,
-- applied on top of db/schema.sql.  Each has 20 e1000 fault descriptors
-- run native and nooks; 10 of them crash natively.  Under nooks:
--   base (#1): 9 of the 10 crashing faults recovered
--   flaky (#2): 8 recovered (one more failure: must NOT fail the gate)
--   bad (#3): 1 recovered (must fail the gate)
-- Guest-supplied strings carry HTML to check escaping.
INSERT INTO images (id, kernel_version, vmlinux_sha256, initramfs_sha256)
	VALUES (1, '6.1.0-56-amd64', 'aa', 'bb');
INSERT INTO campaigns (id, name, spec_json, spec_hash, seed, image_id, planned, finished_at)
	VALUES (1, 'base', '{"name": "base"}', 'h1', 1, 1, 40, '2026-11-21T00:00:00Z'),
	       (2, 'flaky', '{"name": "flaky"}', 'h2', 1, 1, 40, '2026-11-21T00:00:00Z'),
	       (3, 'bad', '{"name": "bad <b>x</b>"}', 'h3', 1, 1, 40, NULL);
INSERT INTO extensions (id, campaign_id, name, module, device, workload)
	VALUES (1, 1, 'e1000', 'e1000', 'e1000', 'netdev'), (2, 2, 'e1000', 'e1000', 'e1000', 'netdev'),
	       (3, 3, 'e1000', 'e1000', 'e1000', 'netdev');
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 19)
INSERT INTO faults (id, campaign_id, extension_id, idx, types, count, seed)
	SELECT c * 100 + n, c, c, n, CASE n % 2 WHEN 0 THEN 'nop' ELSE 'ptr' END, 5, 1000 + n
	FROM i, (SELECT 1 AS c UNION SELECT 2 UNION SELECT 3);
INSERT INTO mutations (fault_id, n, type, section, symbol, sym_offset, file_offset, old_bytes,
		       new_bytes, disasm_before, disasm_after)
	SELECT id, 0, types, '.text', 'e1000_xmit_frame+0x1c', 28, 4096 + idx, '48 8b 07', '90 90 90',
	       'mov (%rdi),%rax', 'nop; nop; nop' FROM faults;
INSERT INTO crash_signatures (id, kind, title, first_seen, last_seen, count)
	VALUES (1, 'oops', 'BUG: unable to handle page fault in <script>alert(1)</script>e1000_clean',
		'2026-11-21T00:00:00Z', '2026-11-21T00:00:00Z', 0);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 19)
INSERT INTO trials (campaign_id, fault_id, key, mode, outcome, crashed, crash_kind, crash_title,
		    signature_id, workload_pass, workload_reason, wall_ms)
	SELECT c, c * 100 + n, printf('e1000/%04d/native', n), 'native',
	       CASE WHEN n < 10 THEN 'crash' ELSE 'no_effect' END, n < 10,
	       CASE WHEN n < 10 THEN 'oops' END,
	       CASE WHEN n < 10 THEN 'BUG: unable to handle page fault in <script>alert(1)</script>e1000_clean' END,
	       CASE WHEN n < 10 THEN 1 END, n >= 10, '<img src=x onerror=alert(2)>', 3000 + n
	FROM i, (SELECT 1 AS c UNION SELECT 2 UNION SELECT 3);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 19)
INSERT INTO trials (campaign_id, fault_id, key, mode, outcome, crashed, detection, recovery_ms,
		    signature_id, crash_kind, crash_title, wall_ms)
	SELECT c, c * 100 + n, printf('e1000/%04d/nooks', n), 'nooks',
	       CASE WHEN n >= 10 THEN 'no_effect'
		    WHEN n < (CASE c WHEN 1 THEN 9 WHEN 2 THEN 8 ELSE 1 END) THEN 'recovered'
		    ELSE 'crash' END,
	       n < 10 AND n >= (CASE c WHEN 1 THEN 9 WHEN 2 THEN 8 ELSE 1 END),
	       CASE WHEN n < 10 THEN 'page_fault' END,
	       CASE WHEN n < (CASE c WHEN 1 THEN 9 WHEN 2 THEN 8 ELSE 1 END) THEN 5.0 + n * 7 END,
	       CASE WHEN n < 10 AND n >= (CASE c WHEN 1 THEN 9 WHEN 2 THEN 8 ELSE 1 END) THEN 1 END,
	       CASE WHEN n < 10 AND n >= (CASE c WHEN 1 THEN 9 WHEN 2 THEN 8 ELSE 1 END) THEN 'oops' END,
	       CASE WHEN n < 10 AND n >= (CASE c WHEN 1 THEN 9 WHEN 2 THEN 8 ELSE 1 END)
		    THEN 'BUG: unable to handle page fault in <script>alert(1)</script>e1000_clean' END,
	       4000 + n
	FROM i, (SELECT 1 AS c UNION SELECT 2 UNION SELECT 3);
UPDATE crash_signatures SET count = (SELECT COUNT(*) FROM trials WHERE signature_id = 1),
	example_trial_id = (SELECT MIN(id) FROM trials WHERE signature_id = 1);
