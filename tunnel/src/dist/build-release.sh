#!/usr/bin/env bash
# Builds the release from the shaded jar (./mvnw -Pdist package runs it):
#   OUT/sshuttle-java-VERSION-linux-x64.tar.gz  unpack anywhere, run bin/sshuttle
#   OUT/sshuttle-java_VERSION_amd64.deb         installs /opt/sshuttle-java, /usr/bin/sshuttle-java
# Both carry a jlink'd Java runtime with only the modules the jar needs, the jar, the AOT cache
# made by a training run on that runtime, the man page and bash/zsh completion (from the picocli
# model), and an example systemd unit.
# Usage: build-release.sh JDK_HOME VERSION JAR JVM_OPTIONS DIST_SOURCES OUT
set -euo pipefail
jdk=$1 version=$2 jar=$3 jvm_options=$4 src=$5 out=$6
name=sshuttle-java
# jdeps --print-module-deps --ignore-missing-deps --multi-release 25 sshuttle.jar, plus what only
# a service lookup finds: DNS names through JNDI (jdk.naming.dns) for the builtin ssh's resolver
modules=java.base,java.management,java.rmi,java.security.jgss,java.sql,jdk.security.auth,jdk.unsupported,jdk.naming.dns

stage=$(mktemp -d "${TMPDIR:-/tmp}/sshuttle-release.XXXXXX")
trap 'rm -rf "$stage"' EXIT
home=$stage/$name # laid out as installed under /opt/sshuttle-java
mkdir -p "$home/bin" "$home/lib" "$home/share/man/man1" "$home/share/bash-completion/completions" \
    "$home/share/zsh/site-functions" "$home/share/doc/$name"

"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress zip-6 \
    --output "$home/runtime"
cp "$jar" "$home/lib/sshuttle.jar"
cp "$jvm_options" "$home/lib/jvm.options"
install -m 0755 "$src/bin/sshuttle" "$home/bin/sshuttle"
cp "$src/share/sshuttle-java@.service" "$home/share/doc/$name/"
java=$home/runtime/bin/java

# the AOT cache: trained on this runtime and jar (a JVM checks both and runs without it on a mismatch)
"$java" "@$home/lib/jvm.options" -XX:AOTCacheOutput="$home/lib/sshuttle.aot" -Xlog:aot=off -Xlog:cds=off \
    -jar "$home/lib/sshuttle.jar" --aot-training >"$stage/aot.log" 2>&1 || {
    cat "$stage/aot.log" >&2
    echo "build-release: the AOT training run failed" >&2
    exit 1
}
[ -f "$home/lib/sshuttle.aot" ] || { echo "build-release: no AOT cache was written" >&2; exit 1; }

docs() { "$java" -cp "$home/lib/sshuttle.jar" dev.sshuttle.cli.ReleaseDocs "$1" "$name" "$version"; }
docs man | gzip -9n >"$home/share/man/man1/$name.1.gz"
docs bash >"$home/share/bash-completion/completions/$name"
docs zsh >"$home/share/zsh/site-functions/_$name"

mkdir -p "$out"
tarball=$out/$name-$version-linux-x64.tar.gz
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$tarball" --transform "s,^$name,$name-$version," "$name"

# the .deb: the same tree under /opt, links for PATH, man and completion
deb=$stage/deb
mkdir -p "$deb/DEBIAN" "$deb/opt" "$deb/usr/bin" "$deb/usr/share/man/man1" "$deb/usr/share/bash-completion/completions" \
    "$deb/usr/share/zsh/vendor-completions"
cp -a "$home" "$deb/opt/$name"
ln -s "/opt/$name/bin/sshuttle" "$deb/usr/bin/$name"
ln -s "/opt/$name/share/man/man1/$name.1.gz" "$deb/usr/share/man/man1/$name.1.gz"
ln -s "/opt/$name/share/bash-completion/completions/$name" "$deb/usr/share/bash-completion/completions/$name"
ln -s "/opt/$name/share/zsh/site-functions/_$name" "$deb/usr/share/zsh/vendor-completions/_$name"
cat >"$deb/DEBIAN/control" <<CONTROL
Package: $name
Version: ${version//-/\~}
Architecture: amd64
Maintainer: sshuttle for Java <sshuttle-java@localhost>
Depends: openssh-client, iptables | nftables, sudo | doas
Section: net
Priority: optional
Installed-Size: $(du -sk "$deb/opt" | cut -f1)
Description: transparent proxy VPN over ssh (sshuttle on the JVM)
 sshuttle-java sends every TCP connection (and DNS with --dns) to the subnets you name through
 an ssh server, like sshuttle; it brings its own Java runtime. The command is sshuttle-java, so
 it does not clash with the Python package's /usr/bin/sshuttle.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/${name}_${version}_amd64.deb" >/dev/null
echo "build-release: wrote $tarball and $out/${name}_${version}_amd64.deb"
