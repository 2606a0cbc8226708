#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# zc_httpd under clients nobody here wrote.  Runs inside the VM (as root),
# from scripts/in-vm.sh (check) or scripts/httpd-bench.sh (bench).
#
# The servers run in namespace hsrv, every client in namespace hcli.  Two
# paths: a veth pair (192.0.2.1), and, when the VM has two virtio-net NICs
# on one qemu hub (vng --network loop, ZC_VM_NET=loop), those NICs
# (198.51.100.1): there the data leaves the server through a NIC driver.
#
# check: curl checks HTTP (exact Range bytes, HEAD, keep-alive, 404, 400);
#   then, per server and path, a writer rewrites the objects while wrk
#   loads the server and httpd-client.py's slow readers check that every
#   body is one whole version.  Asserted for zc_httpd -m zc: no torn body,
#   rewrites happened and some waited for a notification, every
#   notification ID reported once.  Reported only: the torn bodies of
#   zc_httpd -m plain and of nginx (sendfile on, files rewritten in place
#   with pwrite()).  KTAP: "# ok N ..." per case, then one
#   "ok 1 zc_httpd: ..." line.
# bench: wrk alone, then the rewrite run, per server, path and object size;
#   CSV on stdout.
#
# Usage: httpd-test.sh BIN_DIR check|bench
# Environment: HTTPD_SECS (8) per rewrite run, HTTPD_BENCH_SECS (10) per
# wrk run.
set -u
bin=$1 what=${2:-check}
here=$(cd "$(dirname "$0")" && pwd)
client=$here/httpd-client.py
secs=${HTTPD_SECS:-8}
bsecs=${HTTPD_BENCH_SECS:-10}
objs=8
work=$(mktemp -d /tmp/zc_httpd.XXXXXX)
S=(ip netns exec hsrv)
C=(ip netns exec hcli)
n=0 fails=0 spid=

ok() { # NAME STATUS
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "# ok $n $1"; else echo "# not ok $n $1"; fails=$((fails + 1)); fi
}
info() { echo "#   $*" >&3; }	# stdout for check, stderr for bench
# Under TCG every process costs (curl ~1-2 s, python ~3 s): parse in bash.
kv() { [[ " $1 " =~ \ $2=([^ ]*) ]] && echo "${BASH_REMATCH[1]}"; }	# LINE KEY
# zc_httpd's /_stats as "key=value ..." in $stats
get_stats() { # HOST
	local k v
	stats=
	while read -r k v; do stats+="$k=$v "; done < <("${C[@]}" curl -s "http://$1:8080/_stats")
}

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	ip netns del hsrv 2>/dev/null
	ip netns del hcli 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

setup_net() {
	local d nics=()

	ip netns add hsrv && ip netns add hcli || return 1
	ip link add hv0 netns hsrv type veth peer name hv1 netns hcli
	ip -n hsrv addr add 192.0.2.1/24 dev hv0
	ip -n hcli addr add 192.0.2.2/24 dev hv1
	for d in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$d/device/driver" 2>/dev/null)")" = virtio_net ] &&
			nics+=("${d##*/}")
	done
	paths="veth"
	if [ ${#nics[@]} -ge 2 ]; then
		ip link set "${nics[0]}" netns hsrv && ip -n hsrv link set "${nics[0]}" name hn0
		ip link set "${nics[1]}" netns hcli && ip -n hcli link set "${nics[1]}" name hn1
		ip -n hsrv addr add 198.51.100.1/24 dev hn0
		ip -n hcli addr add 198.51.100.2/24 dev hn1
		ip -n hsrv link set hn0 up
		ip -n hcli link set hn1 up
		paths="veth nic"
		info "NIC path: ${nics[0]} -> ${nics[1]} (virtio-net, qemu hub), $(ip -n hsrv -o link show hn0 | grep -o 'mtu [0-9]*')"
	else
		info "no pair of virtio-net NICs in the VM (vng --network loop): NIC path not run"
	fi
	ip -n hsrv link set hv0 up; ip -n hsrv link set lo up
	ip -n hcli link set hv1 up; ip -n hcli link set lo up
}

addr_of() { [ "$1" = veth ] && echo 192.0.2.1 || echo 198.51.100.1; }

wait_http() { # HOST
	"${C[@]}" timeout 15 bash -c 'until exec 3<> "/dev/tcp/$0/8080"; do sleep 0.2; done' "$1" 2>/dev/null
}

start_server() { # zc|plain|nginx SIZE (objects in $work/www)
	if [ "$1" = nginx ]; then
		mkdir -p "$work/ngx"
		cat > "$work/ngx/nginx.conf" <<-EOF
		user root;
		worker_processes 1;
		daemon off;
		pid $work/ngx/nginx.pid;
		error_log $work/ngx/error.log warn;
		events { worker_connections 1024; }
		http {
			sendfile on; tcp_nopush on; tcp_nodelay on;
			keepalive_timeout 65; keepalive_requests 1000000;
			access_log off;
			default_type application/octet-stream;
			client_body_temp_path $work/ngx/body; proxy_temp_path $work/ngx/proxy;
			fastcgi_temp_path $work/ngx/fcgi; uwsgi_temp_path $work/ngx/uwsgi;
			scgi_temp_path $work/ngx/scgi;
			server { listen 8080; root $work/www; }
		}
		EOF
		"${S[@]}" nginx -e "$work/ngx/error.log" -p "$work/ngx" -c "$work/ngx/nginx.conf" &
	else
		# One spare slot: a rewrite reuses a retired slot, so under
		# slow readers it has to wait for their notifications.
		"${S[@]}" "$bin/zc_httpd" -q -m "$1" -p 8080 -n $((objs + 1)) -S "$2" \
			-r "$work/www" 2> "$work/server.log" &
	fi
	spid=$!
	wait_http 192.0.2.1 || { info "$1 did not start"; cat "$work/server.log" "$work/ngx/error.log" 2>/dev/null; return 1; }
}

stop_server() {
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
}

# wrk --latency output -> "rps=… mbps=… avg_ms=… p50_ms=… p90_ms=… p99_ms=… errors=…"
wrk_kv() {
	awk '
	function ms(s) { return s ~ /us$/ ? s / 1000 : s ~ /ms$/ ? s + 0 : s ~ /m$/ ? s * 60000 : s * 1000 }
	function mib(s) { return s ~ /GB$/ ? s * 1024 : s ~ /MB$/ ? s + 0 : s ~ /KB$/ ? s / 1024 : s / 1048576 }
	$1 == "Latency" && NF >= 4 { avg = ms($2) }
	$1 == "50%" { p50 = ms($2) }
	$1 == "90%" { p90 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	$1 == "Requests/sec:" { rps = $2 }
	$1 == "Transfer/sec:" { mb = mib($2) }
	/Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i }
	/Non-2xx or 3xx/ { err += $NF }
	END { printf "rps=%s mbps=%.1f avg_ms=%.2f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f errors=%d\n",
		rps + 0, mb, avg, p50, p90, p99, err }' "$1"
}

run_wrk() { # HOST SECONDS CONNS -> wrk_kv line
	"${C[@]}" env WRK_OBJECTS=$objs wrk -t2 -c"$3" -d"$2"s --timeout 20s --latency \
		-s "$here/wrk-objects.lua" "http://$1:8080/" > "$work/wrk.out" 2>&1
	wrk_kv "$work/wrk.out"
}

# A writer rewrites every object again and again for $secs s while wrk
# loads the server and 4 slow readers check each body.  Sets $chk, $wr, $wk.
rewrite_run() { # SERVER HOST SIZE
	local cpid wpid kpid
	"${C[@]}" python3 "$client" check --host "$2" --port 8080 --objects $objs \
		--size "$3" --seconds "$secs" --conns 4 > "$work/chk.out" 2> "$work/chk.err" &
	cpid=$!
	if [ "$1" = nginx ]; then
		python3 "$client" pwrite --dir "$work/www" --objects $objs --size "$3" \
			--seconds "$secs" --pause-ms 10 > "$work/wr.out" 2> "$work/wr.err" &
	else
		"${C[@]}" python3 "$client" put --host "$2" --port 8080 --objects $objs \
			--size "$3" --seconds "$secs" > "$work/wr.out" 2> "$work/wr.err" &
	fi
	wpid=$!
	run_wrk "$2" "$secs" 2 > "$work/wk.out" &
	kpid=$!
	wait $cpid $wpid $kpid
	chk=$(cat "$work/chk.out") wr=$(cat "$work/wr.out") wk=$(cat "$work/wk.out")
	[ -n "$chk" ] || chk="bodies=0 torn=0 bad=0 errors=1"
}

curl_checks() { # HOST (zc_httpd -m zc running, 256 KiB objects in $work/www)
	local host=$1 u="http://$1:8080" f=$work/www/obj3 r i codes

	# Range, three forms: 206, Content-Range, exactly those bytes.
	"${C[@]}" curl -s -D "$work/h1" -o "$work/b1" -r 1000-1999 "$u/obj3" \
		--next -s -D "$work/h2" -o "$work/b2" -r -777 "$u/obj3" \
		--next -s -D "$work/h3" -o "$work/b3" -r 262000- "$u/obj3"
	i=0
	for r in "1000-1999 +1001 1000" "-777 -777 777" "262000- +262001 144"; do
		set -- $r
		i=$((i + 1))
		grep -q "^HTTP/1.1 206" "$work/h$i" &&
			grep -qi "^Content-Range: bytes [0-9]*-[0-9]*/262144" "$work/h$i" &&
			cmp -s "$work/b$i" <(tail -c "$2" "$f" | head -c "$3")
		ok "curl: Range $1 gives 206 and exactly those bytes" $?
	done
	# HEAD: the headers of the GET, no body; the next response on the
	# same connection is intact (a body after HEAD would garble it).
	"${C[@]}" curl -s -I "$u/obj3" -o "$work/h" -w '%{size_download} %{num_connects}\n' \
		--next -s -o "$work/b" -w '%{size_download} %{num_connects}\n' "$u/obj3" > "$work/o"
	grep -q "^HTTP/1.1 200" "$work/h" && grep -qi "^Content-Length: 262144" "$work/h" &&
		[ "$(tr '\n' ' ' < "$work/o")" = "0 1 262144 0 " ] && cmp -s "$work/b" "$f"
	ok "curl: HEAD has the headers and no body, keep-alive after it" $?
	# Keep-alive: three requests on one connection, the 404 included.
	"${C[@]}" curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{http_code}/%{num_connects} ' \
		"$u/obj1" "$u/obj2" "$u/nope" > "$work/o"
	[ "$(cat "$work/o")" = "200/1 200/0 404/0 " ]
	ok "curl: keep-alive reuses the connection, 404 included" $?
	# Status codes, one transfer each (each 400 closes its connection).
	codes=$("${C[@]}" curl -s -o /dev/null -w '%{http_code} ' "$u/nope" \
		--next -s -o /dev/null -w '%{http_code} ' -r 300000- "$u/obj3" \
		--next -s -o /dev/null -w '%{http_code} ' --request-target obj1 "$u/" \
		--next -s -o /dev/null -w '%{http_code} ' -H 'Host:' "$u/obj1" \
		--next -s -o /dev/null -w '%{http_code} ' -X 'GE(T' "$u/obj1" \
		--next -s -o /dev/null -w '%{http_code} ' -X DELETE "$u/obj1")
	set -- $codes
	[ "${1:-}" = 404 ]
	ok "curl: unknown object gives 404" $?
	[ "${2:-}" = 416 ]
	ok "curl: Range past the end gives 416" $?
	[ "${3:-}/${4:-}/${5:-}" = 400/400/400 ]
	ok "curl: malformed requests (target, no Host, method) give 400 ($3 $4 $5)" $?
	[ "${6:-}" = 405 ]
	ok "curl: unsupported method gives 405" $?
	# PUT a new version with curl (Expect: 100-continue), then GET it.
	"${C[@]}" curl -s -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' \
		-T "$work/v/obj0" "$u/obj0" --next -s -o "$work/b" "$u/obj0" > "$work/o"
	[ "$(cat "$work/o")" = 204 ] && cmp -s "$work/b" "$work/v/obj0"
	ok "curl: PUT stores a new version that GET then serves" $?
	# Clients that reset mid-body (and mid-pipeline) do not take it down.
	"${C[@]}" python3 - "$host" <<-'PY'
	import socket, struct, sys
	for i in range(20):
	    s = socket.socket()
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	    s.connect((sys.argv[1], 8080))
	    s.sendall(b"GET /obj1 HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
	    s.recv(1000)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	    s.close()
	PY
	get_stats "$host"
	kill -0 "$spid" && [ "$(kv "$stats" requests)" -gt 20 ]
	ok "server survives 20 clients resetting mid-body" $?
}

check() {
	local p h srv torn rew waited freed ids rep bad i
	setup_net || { echo "not ok 1 zc_httpd: network setup"; return; }
	python3 "$client" gen --dir "$work/www" --objects $objs --size 262144 &&
		python3 "$client" gen --dir "$work/v" --objects 1 --size 262144 --version 777 ||
		{ echo "not ok 1 zc_httpd: test data"; return; }
	start_server zc 262144 || { echo "not ok 1 zc_httpd: server start"; return; }
	curl_checks 192.0.2.1
	stop_server
	# nginx last: its writer rewrites $work/www itself.
	for srv in zc plain nginx; do
		for p in $paths; do
			h=$(addr_of "$p")
			start_server "$srv" 262144 || { ok "$srv started" 1; continue; }
			rewrite_run "$srv" "$h" 262144
			torn=$(kv "$chk" torn) waited= freed=
			if [ "$srv" = nginx ]; then
				rew=$(kv "$wr" rewrites)
			else
				get_stats "$h"
				rew=$(kv "$stats" rewrites)
				waited=$(kv "$stats" puts_waited)
				freed=$(kv "$stats" slots_freed_on_report)
			fi
			info "$srv over $p: $torn torn of $(kv "$chk" bodies) bodies checked" \
				"($(kv "$chk" ranges) ranges, $(kv "$chk" versions_seen) versions seen whole," \
				"$(kv "$chk" errors) client errors), $rew rewrites${waited:+, $waited waited for a slot}," \
				"wrk $(kv "$wk" rps) req/s"
			head -4 "$work/chk.err" | sed 's/^/#   /'
			if [ "$srv" = zc ]; then
				[ "$(kv "$chk" bodies)" -gt 0 ] && [ "$torn" -eq 0 ] &&
					[ "$(kv "$chk" bad)" -eq 0 ] && [ "$(kv "$chk" errors)" -eq 0 ]
				ok "zc_httpd zc over $p: $(kv "$chk" bodies) bodies, none torn" $?
				[ "$rew" -gt 0 ] && [ "$waited" -gt 0 ] && [ "$freed" -gt 0 ]
				ok "zc_httpd zc over $p: $rew rewrites, $waited waited, $freed slots freed by a notification" $?
				# Once the clients are gone, every ID taken was reported
				# exactly once (but the last /_stats response's own).
				for i in 1 2 3 4 5 6 7 8 9 10; do
					ids=$(kv "$stats" zc_ids) rep=$(kv "$stats" zc_ids_reported)
					[ "$ids" -eq "$rep" ] && break
					sleep 1
					get_stats "$h"
				done
				bad=$(kv "$stats" bad_reports)
				[ "$((ids - rep))" -le 1 ] && [ "$bad" -eq 0 ] && [ "$ids" -gt 0 ]
				ok "zc_httpd zc over $p: $ids IDs taken, $rep reported, $bad bad reports" $?
			else
				echo "$srv $p $torn $(kv "$chk" bodies)" >> "$work/torn"
			fi
			stop_server
		done
	done
	while read -r srv p torn i; do
		info "reported, not asserted: $srv over $p: $torn of $i bodies torn"
	done < "$work/torn"
	if [ $fails -eq 0 ]; then
		echo "ok 1 zc_httpd: HTTP checks and whole bodies under in-place rewrites"
	else
		echo "not ok 1 zc_httpd: HTTP checks and whole bodies under in-place rewrites"
	fi
}

bench() {
	local p h srv size r rew waited
	setup_net || exit 1
	echo "path,server,size,load,rps,mbps,avg_ms,p50_ms,p90_ms,p99_ms,wrk_errors,bodies,torn,rewrites,waited"
	for p in $paths; do
		h=$(addr_of "$p")
		for size in 16384 262144; do
			for srv in zc plain nginx; do
				rm -rf "$work/www"
				python3 "$client" gen --dir "$work/www" --objects $objs --size "$size"
				echo "  $p, $((size >> 10)) KiB objects: $srv, wrk ${bsecs}s" >&2
				start_server "$srv" "$size" || continue
				r=$(run_wrk "$h" "$bsecs" 16)
				echo "$p,$srv,$size,wrk,$(kv "$r" rps),$(kv "$r" mbps),$(kv "$r" avg_ms),$(kv "$r" p50_ms),$(kv "$r" p90_ms),$(kv "$r" p99_ms),$(kv "$r" errors),,,,"
				if [ "$size" = 262144 ]; then
					echo "  $p: $srv with rewrites, ${secs}s" >&2
					rewrite_run "$srv" "$h" "$size"
					if [ "$srv" = nginx ]; then
						rew=$(kv "$wr" rewrites) waited=
					else
						get_stats "$h"
						rew=$(kv "$stats" rewrites) waited=$(kv "$stats" puts_waited)
					fi
					echo "$p,$srv,$size,wrk+rewrites,$(kv "$wk" rps),$(kv "$wk" mbps),$(kv "$wk" avg_ms),$(kv "$wk" p50_ms),$(kv "$wk" p90_ms),$(kv "$wk" p99_ms),$(kv "$wk" errors),$(kv "$chk" bodies),$(kv "$chk" torn),$rew,$waited"
				fi
				stop_server
			done
		done
	done
}

case $what in
check) exec 3>&1; check ;;
bench) exec 3>&2; bench ;;
*) echo "usage: httpd-test.sh BIN_DIR check|bench" >&2; exit 2 ;;
esac
