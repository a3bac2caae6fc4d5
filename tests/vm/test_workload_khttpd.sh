#!/bin/sh
# test_workload_khttpd.sh - kmod/khttpd under the khttpd workload: pages
# fetched over keep-alive across e1000 with every byte checked, 400/404/405
# answers, clean unload with connections open; a server returning wrong
# bytes and a missing module are detected.
. "$(dirname "$0")/lib.sh"

result() { grep '"event":"result"' "$1"; }
ko="$KMOD/khttpd/khttpd.ko"

"$NOOKS" workload run khttpd --out "$T_TMP/ok" --timeout 200 >"$T_TMP/ok.out" 2>&1; rc=$?
expect_eq "khttpd workload passes" 0 "$rc"
[ "$rc" = 0 ] || { tail -n 5 "$T_TMP/ok.out"; tail -n 20 "$T_TMP/ok/vm/console.log"; } | sed 's/^/  | /'
expect_match "khttpd: all requests intact" '"pass":true.*"requests":400,' "$(result "$T_TMP/ok.out")"
expect_match "khttpd: unload closed the open connections, nothing outstanding" \
	'closed 4 open connections;.*outstanding: 0 connections, 0 buffers' "$(result "$T_TMP/ok.out")"
expect_eq "khttpd: no warning or oops on the console" "" \
	"$(grep -E 'WARNING|BUG|Oops|leak' "$T_TMP/ok/vm/console.log")"

# A server returning wrong bytes (test hook: one flipped byte every 7th answer).
"$NOOKS" vm run --out "$T_TMP/bad" --device e1000 --device virtio-net --module "$ko" \
	--timeout 120 --cmd 'echo 7 > /sys/module/khttpd/parameters/corrupt_every; wl-khttpd --requests 40' \
	>"$T_TMP/bad.out" 2>&1; rc=$?
expect_eq "wrong bytes from the server: workload fails (exit 1)" 1 "$rc"
expect_match "wrong bytes are located" '"pass":false.*body byte [0-9]+ of [0-9]+ wrong' \
	"$(result "$T_TMP/bad.out")"

# Raw protocol checks from the guest's own loopback: status codes and headers.
raw='ip link set lo up; mkdir -p /srv/www; echo hi >/srv/www/a.txt
printf "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" | nc 127.0.0.1 8080
printf "POST /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" | nc 127.0.0.1 8080
printf "GET /a.txt HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080'
out=$("$NOOKS" vm run --out "$T_TMP/raw" --module "$ko" --timeout 60 --cmd "$raw" 2>/dev/null | tr -d '\r')
expect_match "200 with Content-Length and Connection" \
	"HTTP/1.1 200 OK.*Content-Type: text/plain.*Content-Length: 3.*Connection: close.*hi" "$(echo "$out" | tr '\n' ' ')"
expect_match "405 names the allowed methods" "HTTP/1.1 405 Method Not Allowed.*Allow: GET, HEAD" \
	"$(echo "$out" | tr '\n' ' ')"
expect_eq "HTTP/1.0 without keep-alive is closed" 3 "$(echo "$out" | grep -c '^Connection: close')"

# Set-up error: the module is not loaded.
"$NOOKS" vm run --out "$T_TMP/nomod" --device e1000 --device virtio-net --timeout 60 \
	--cmd wl-khttpd >"$T_TMP/nomod.out" 2>&1; rc=$?
expect_eq "khttpd not loaded exits 2" 2 "$rc"
expect_match "khttpd not loaded is named" '"infra":true,"reason":"khttpd is not loaded' \
	"$(result "$T_TMP/nomod.out")"
no_qemu_left "no qemu left"
finish
