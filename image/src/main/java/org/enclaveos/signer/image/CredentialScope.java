package org.enclaveos.signer.image;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Where registry credentials may go, in one place: to the registry they were configured for (its
 * scheme, host and port) and to the token service its challenge names; over TLS, or over plain HTTP
 * only to a loopback address or a host named with {@code --insecure-registry}. A redirect is followed
 * only under the same transport rule, and never with credentials unless it stays on the registry.
 */
final class CredentialScope {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
            + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    private final URI registry;
    private final Set<String> insecure;

    /**
     * @param registry any URL of the registry's API (its scheme, host and port are what count)
     * @param insecure the {@code --insecure-registry} hosts, as the registry is named (HOST or HOST:PORT)
     */
    CredentialScope(URI registry, Set<String> insecure) {
        this.registry = registry;
        this.insecure = Set.copyOf(insecure);
    }

    /**
     * Loopback is an address, not a name that looks like one: an IPv4 literal in 127.0.0.0/8, the IPv6
     * literal ::1 (bracketed or not), or {@code localhost}. A DNS name such as {@code 127.evil.test}
     * resolves wherever its owner likes, so it gets TLS and no exemption.
     */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("[::1]") || h.equals("::1") || h.startsWith("127.") && IPV4.matcher(h).matches();
    }

    /** Whether {@code uri} may be spoken to at all: TLS, or plain HTTP to loopback or an insecure registry. */
    boolean transportAllowed(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return true;
        }
        return scheme.equals("http") && (isLoopback(uri.getHost())
                || uri.getAuthority() != null && insecure.contains(uri.getAuthority()));
    }

    /** Whether {@code uri} is the registry itself (same scheme, host and port): the only place credentials go. */
    boolean isRegistry(URI uri) {
        return registry.getScheme().equalsIgnoreCase(uri.getScheme()) && registry.getHost() != null
                && registry.getHost().equalsIgnoreCase(uri.getHost()) && port(registry) == port(uri);
    }

    /** Where a redirect from {@code from} to {@code location} points, if it may be followed at all. */
    URI redirect(URI from, String location, String what) {
        URI to;
        try {
            to = from.resolve(location);
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.REGISTRY, what + ": a redirect to a malformed address");
        }
        if (!transportAllowed(to)) {
            throw new SignerException(ErrorKind.REGISTRY, what + ": redirected to " + to.getScheme() + "://"
                    + to.getAuthority() + ", refused (TLS only, except loopback or --insecure-registry)");
        }
        return to;
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }
}
