package org.enclaveos.signer.image;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * An image reference as skopeo users write it: {@code docker://HOST/REPO:TAG} or {@code @sha256:...}
 * (the default when there is no prefix), {@code oci:DIR[:TAG]} (an OCI image layout) or
 * {@code docker-archive:FILE.tar} (docker save format). Immutable; {@link #toString()} gives it back
 * in canonical form.
 */
public record ImageReference(Transport transport, String registry, String repository, String tag, String digest,
                             Path path) {

    public enum Transport {
        DOCKER("docker://"),
        OCI("oci:"),
        DOCKER_ARCHIVE("docker-archive:");

        private final String prefix;

        Transport(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    public static final String DEFAULT_REGISTRY = "docker.io";
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    public static ImageReference parse(String text) {
        if (text.startsWith(Transport.OCI.prefix())) {
            String rest = text.substring(Transport.OCI.prefix().length());
            int colon = rest.lastIndexOf(':');
            String dir = colon > 0 ? rest.substring(0, colon) : rest;
            String tag = colon > 0 ? rest.substring(colon + 1) : null;
            if (dir.isEmpty() || (tag != null && !TAG.matcher(tag).matches())) {
                throw usage(text, "expected oci:DIR or oci:DIR:TAG");
            }
            return new ImageReference(Transport.OCI, null, null, tag, null, Path.of(dir));
        }
        if (text.startsWith(Transport.DOCKER_ARCHIVE.prefix())) {
            String file = text.substring(Transport.DOCKER_ARCHIVE.prefix().length());
            if (file.isEmpty()) {
                throw usage(text, "expected docker-archive:FILE.tar");
            }
            return new ImageReference(Transport.DOCKER_ARCHIVE, null, null, null, null, Path.of(file));
        }
        String rest = text.startsWith(Transport.DOCKER.prefix()) ? text.substring(Transport.DOCKER.prefix().length()) : text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw usage(text, "the digest must be sha256: and 64 lower-case hex digits");
            }
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw usage(text, "'" + tag + "' is not a valid tag");
            }
        }
        String registry = DEFAULT_REGISTRY;
        String repository = rest;
        int first = rest.indexOf('/');
        if (first > 0) {
            String head = rest.substring(0, first);
            if (head.contains(".") || head.contains(":") || head.equals("localhost")) {
                registry = head;
                repository = rest.substring(first + 1);
            }
        }
        if (registry.equals(DEFAULT_REGISTRY) && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        for (String component : repository.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw usage(text, "'" + repository + "' is not a valid repository name");
            }
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(Transport.DOCKER, registry, repository, tag, digest, null);
    }

    /** The same image, pinned to a manifest digest (what attach reads back, what prepare records). */
    public ImageReference withDigest(String manifestDigest) {
        return new ImageReference(transport, registry, repository, transport == Transport.DOCKER ? null : tag, manifestDigest,
                path);
    }

    /** Whether the registry may be spoken to over plain HTTP without asking (loopback, as docker does). */
    public boolean isLoopbackRegistry() {
        if (registry == null) {
            return false;
        }
        String host = registry.startsWith("[") ? registry.substring(0, registry.indexOf(']') + 1)
                : registry.contains(":") ? registry.substring(0, registry.indexOf(':')) : registry;
        return isLoopbackHost(host);
    }

    /** See {@link CredentialScope#isLoopback}: an address in 127.0.0.0/8, ::1 or localhost, never a look-alike name. */
    public static boolean isLoopbackHost(String host) {
        return CredentialScope.isLoopback(host);
    }

    @Override
    public String toString() {
        return switch (transport) {
            case OCI -> "oci:" + path + (tag == null ? "" : ":" + tag);
            case DOCKER_ARCHIVE -> "docker-archive:" + path;
            case DOCKER -> "docker://" + registry + "/" + repository + (tag == null ? "" : ":" + tag)
                    + (digest == null ? "" : "@" + digest);
        };
    }

    private static SignerException usage(String text, String what) {
        return new SignerException(ErrorKind.USAGE, "image reference '" + text + "': " + what);
    }

    static boolean isDigest(String s) {
        Matcher m = DIGEST.matcher(s);
        return m.matches();
    }
}
