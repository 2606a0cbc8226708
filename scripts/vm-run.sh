#!/usr/bin/env bash
# Boot the built kernel under virtme-ng and run a shell command in it.
# Prints the command's output and exits with its exit status.
# Usage: vm-run.sh 'COMMAND'
# Environment: ZC_KVM=1 to use KVM instead of TCG (nested KVM hangs on the
# machines this was developed on), ZC_VM_MEM (default 2G), ZC_VM_CPUS (2),
# ZC_VM_NET (virtme-ng --network modes, e.g. user; none by default),
# ZC_VM_QEMU_OPTS (more QEMU arguments).
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || die "usage: vm-run.sh 'COMMAND'"
img=$KOUT/arch/x86/boot/bzImage
[ -f "$img" ] || die "no kernel at ${img#"$TOP"/}: run 'make kernel'"
accel=(--disable-kvm)
[ "${ZC_KVM:-0}" = 1 ] && accel=()
# The host's file systems are read-only in the VM but for ZC_VM_RWDIR.
[ -n "${ZC_VM_RWDIR:-}" ] && accel+=(--rwdir "$ZC_VM_RWDIR")
# ZC_VM_NET=user: a virtio-net NIC on QEMU's user network (the host is
# 10.0.2.2 from inside, its loopback services reachable there).
# Several modes, space-separated, give several NICs in that order.
for net in ${ZC_VM_NET:-}; do accel+=(--network "$net"); done
# ZC_VM_QEMU_OPTS: more QEMU arguments, e.g. a NIC on a host tap device.
[ -n "${ZC_VM_QEMU_OPTS:-}" ] && accel+=("--qemu-opts=$ZC_VM_QEMU_OPTS")

# virtme-init starts the host's systemd-udevd to create /dev/virtio-ports/*;
# without it the command's output and exit status are lost.
[ -x /lib/systemd/systemd-udevd ] || die "udev is missing on the host: run 'make deps'"

cd "$TOP"
# Through a pipe: with a terminal as stdout, vng 1.41 loses the output.
set +e
vng "${accel[@]}" --run "$img" --user root \
	--cpus "${ZC_VM_CPUS:-2}" --memory "${ZC_VM_MEM:-2G}" \
	--exec "$1" </dev/null 2>&1 | cat
exit "${PIPESTATUS[0]}"
