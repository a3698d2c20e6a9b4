package org.enclaveos.signer.image;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What went wrong with a registry, in words a user can act on, instead of a Java class name:
 * host unreachable, name not resolved, timed out after N s, TLS refused; and for a 404, which of
 * repository, tag or blob the registry says is missing (the distribution API's error codes).
 */
final class RegistryErrors {
    private RegistryErrors() {
    }

    /** A transport failure: the first cause in the chain that says something. */
    static String describe(IOException e, Duration timeout) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException) {
                return "timed out after " + timeout.toSeconds() + " s (--registry-timeout)";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "host name not resolved";
            }
            if (t instanceof javax.net.ssl.SSLException) {
                return "TLS failed (" + (t.getMessage() == null ? "handshake refused" : t.getMessage()) + "); for a "
                        + "registry without TLS on a trusted network, --insecure-registry";
            }
            if (t instanceof ConnectException) {
                return "cannot connect (connection refused, or the host is unreachable)";
            }
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "the connection failed" : "the connection failed: " + m;
    }

    /**
     * A 404, by the code in its body: {@code NAME_UNKNOWN} (no such repository), {@code MANIFEST_UNKNOWN}
     * (no such tag or digest: some registries say so for a missing repository too, so the caller asks
     * whether the repository has a tag list), {@code BLOB_UNKNOWN}.
     *
     * @param repositoryExists for a missing manifest: whether the repository answered its tag list
     */
    static String notFound(ImageReference ref, String what, byte[] body, java.util.function.BooleanSupplier repositoryExists) {
        String code = "";
        try {
            JsonNode errors = ImageDocuments.parse(body, "error answer").path("errors");
            code = errors.isArray() && errors.size() > 0 ? errors.get(0).path("code").asText("") : "";
        } catch (RuntimeException notJson) {
            // an error page that is not the API's JSON: say what we asked for
        }
        return switch (code) {
            case "NAME_UNKNOWN" -> "repository " + ref.repository() + " not found on " + ref.registry();
            case "MANIFEST_UNKNOWN" -> repositoryExists.getAsBoolean() ? ref + ": " + what + " not found (the repository exists)"
                    : "repository " + ref.repository() + " not found on " + ref.registry();
            case "BLOB_UNKNOWN" -> ref + ": " + what + " not found in the repository";
            default -> ref + ": " + what + " not found (HTTP 404)";
        };
    }
}
