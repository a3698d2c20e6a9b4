package org.enclaveos.signer.image;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.SignerException;

/** An OCI content descriptor: what a blob is, its digest and its size (the platform for index entries). */
public record Descriptor(String mediaType, String digest, long size, String platform) {

    static Descriptor of(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw SignerException.malformed(where + ": expected a descriptor object");
        }
        String digest = n.path("digest").asText("");
        if (!ImageReference.isDigest(digest)) {
            throw SignerException.malformed(where + ": digest '" + digest + "' is not sha256: and 64 hex digits");
        }
        if (!n.path("size").canConvertToLong() || n.path("size").asLong() < 0) {
            throw SignerException.malformed(where + ": size is missing or negative");
        }
        JsonNode p = n.path("platform");
        String platform = p.isObject() ? p.path("os").asText("") + "/" + p.path("architecture").asText("")
                + (p.hasNonNull("variant") ? "/" + p.path("variant").asText() : "") : null;
        return new Descriptor(n.path("mediaType").asText(null), digest, n.path("size").asLong(), platform);
    }

    public String hex() {
        return digest.substring("sha256:".length());
    }
}
