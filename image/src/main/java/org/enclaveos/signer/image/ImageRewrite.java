package org.enclaveos.signer.image;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * The only edits attach makes to an image, made on the JSON trees so every field we do not know
 * survives: the config's {@code ENCLAVEOS_SIGNATURE}/{@code ENCLAVEOS_SIGNATURE2} Env entries, and the
 * manifest's config descriptor (digest and size). Layers, annotations and media types stay as they were.
 */
public final class ImageRewrite {
    private ImageRewrite() {
    }

    /**
     * The config with each model's signature variable set (base64 of the SIGSTRUCT) or emptied (no
     * signature for that model, as the original tool did). Entries keep their position; a missing one
     * is appended.
     */
    public static byte[] config(byte[] original, Map<MemoryModel, Optional<Sigstruct>> signatures) {
        ObjectNode root = (ObjectNode) ImageDocuments.parse(original, "config");
        ObjectNode cfg = root.has("config") && root.get("config").isObject() ? (ObjectNode) root.get("config")
                : root.putObject("config");
        ArrayNode env = cfg.has("Env") && cfg.get("Env").isArray() ? (ArrayNode) cfg.get("Env") : cfg.putArray("Env");
        for (Map.Entry<MemoryModel, Optional<Sigstruct>> e : signatures.entrySet()) {
            String name = e.getKey().envVariable();
            String entry = name + "=" + e.getValue().map(s -> Base64.getEncoder().encodeToString(s.toBytes())).orElse("");
            boolean replaced = false;
            for (int i = 0; i < env.size(); i++) {
                if (env.get(i).asText("").startsWith(name + "=")) {
                    env.set(i, env.textNode(entry));
                    replaced = true;
                }
            }
            if (!replaced) {
                env.add(entry);
            }
        }
        return write(root);
    }

    /** The manifest with its config descriptor pointing at {@code config}; nothing else changes. */
    public static byte[] manifest(byte[] original, byte[] config) {
        ObjectNode root = (ObjectNode) ImageDocuments.parse(original, "manifest");
        ObjectNode descriptor = (ObjectNode) root.get("config");
        descriptor.put("digest", "sha256:" + Hash256.sha256(config).hex());
        descriptor.put("size", config.length);
        return write(root);
    }

    private static byte[] write(JsonNode root) {
        try {
            return ImageDocuments.MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
