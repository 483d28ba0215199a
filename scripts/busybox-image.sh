#!/bin/sh
# busybox-image.sh OUT.tar — build the test image docker.io/skypanel/busybox:test as an OCI
# image-layout archive (importable with `ctr images import`), without docker or network.
#
# One layer: /bin/busybox (the host's static busybox, from Debian's busybox-static) with a
# symlink per applet in /bin (sh included), /usr/bin/env, /tmp (1777), /home/container (owned by
# uid 1000), /etc/passwd and /etc/group with root and the `container` user (uid/gid 1000).
# The image runs as root by default (the runtime or the daemon decides the user).
# Reproducible: same busybox binary -> same digests.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUT.tar" >&2; exit 2; }
out=$1
name=${SKYPANEL_IMAGE_NAME:-docker.io/skypanel/busybox:test}
bb=${BUSYBOX:-/bin/busybox}
[ -x "$bb" ] || { echo "$0: $bb missing (apt-get install -y busybox-static)" >&2; exit 1; }
if ldd "$bb" >/dev/null 2>&1; then
	echo "$0: $bb is dynamically linked; install busybox-static" >&2
	exit 1
fi
case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
layout=$work/layout
mkdir -p "$rootfs/bin" "$rootfs/usr/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" \
	"$rootfs/home/container" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/run" \
	"$layout/blobs/sha256"
cp "$bb" "$rootfs/bin/busybox"
chmod 0755 "$rootfs/bin/busybox"
for applet in $("$bb" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
ln -sf ../../bin/busybox "$rootfs/usr/bin/env"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
cat > "$rootfs/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
container:x:1000:1000:container:/home/container:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$rootfs/etc/group" <<'G'
root:x:0:
container:x:1000:
nogroup:x:65534:
G
: > "$rootfs/etc/hosts"
: > "$rootfs/etc/resolv.conf"

# The layer: everything root-owned, then /home/container appended as 1000:1000.
tarflags="--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --sort=name --mtime=@0 --numeric-owner"
# shellcheck disable=SC2086
tar -C "$rootfs" $tarflags --owner=0 --group=0 --exclude=./home/container -cf "$work/layer.tar" .
# shellcheck disable=SC2086
tar -C "$rootfs" $tarflags --owner=1000 --group=1000 -rf "$work/layer.tar" ./home/container
diffid=$(sha256sum < "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 < "$work/layer.tar" > "$work/layer.tar.gz"

blob() { # blob FILE -> prints "digest size", stores it under blobs/sha256
	d=$(sha256sum < "$1" | cut -d' ' -f1)
	cp "$1" "$layout/blobs/sha256/$d"
	echo "$d $(wc -c < "$1" | tr -d ' ')"
}
set -- $(blob "$work/layer.tar.gz"); layer_digest=$1 layer_size=$2

printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"],\"WorkingDir\":\"/home/container\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diffid\"]},\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"scripts/busybox-image.sh\"}]}" > "$work/config.json"
set -- $(blob "$work/config.json"); config_digest=$1 config_size=$2

printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$layer_digest\",\"size\":$layer_size}]}" > "$work/manifest.json"
set -- $(blob "$work/manifest.json"); manifest_digest=$1 manifest_size=$2

tag=${name##*:}
printf '%s' "{\"imageLayoutVersion\":\"1.0.0\"}" > "$layout/oci-layout"
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"$name\",\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" > "$layout/index.json"

tar -C "$layout" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/out.tar" oci-layout index.json blobs
mv "$work/out.tar" "$out"
echo "$name sha256:$manifest_digest"
