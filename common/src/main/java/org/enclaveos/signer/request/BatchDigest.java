package org.enclaveos.signer.request;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import org.enclaveos.signer.sgx.Hash256;

/**
 * The batch digest: one SHA-256 that names exactly what a ceremony will sign and under which policy
 * flags, so approvers can sign it beforehand, anywhere (issue 14). It is the SHA-256 of this text, in
 * UTF-8, every line ending in a line feed:
 * <pre>
 * enclaveos-ceremony-batch v1
 * production yes|no
 * allow NAME,NAME       (the --allow-attribute names, sorted; empty after "allow " when none)
 * FILE PAYLOAD_SHA256   (one line per request: its file name and its signing payload's SHA-256, by file name)
 * </pre>
 */
public final class BatchDigest {
    public static final String HEADER = "enclaveos-ceremony-batch v1";

    private BatchDigest() {
    }

    public static Hash256 of(List<SigningRequest> requests, boolean production, Set<String> allowedAttributes) {
        return Hash256.sha256(text(requests, production, allowedAttributes).getBytes(StandardCharsets.UTF_8));
    }

    /** The canonical text the digest is taken over (for an auditor who wants to recompute it). */
    public static String text(List<SigningRequest> requests, boolean production, Set<String> allowedAttributes) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        b.append("production ").append(production ? "yes" : "no").append('\n');
        b.append("allow ").append(String.join(",", allowedAttributes.stream().sorted().toList())).append('\n');
        requests.stream().sorted(Comparator.comparing(SigningRequest::fileName))
                .forEach(r -> b.append(r.fileName()).append(' ').append(r.signingPayloadSha256()).append('\n'));
        return b.toString();
    }
}
