package org.enclaveos.signer.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.SmallFiles;
import org.enclaveos.signer.request.RequestJson;

/**
 * Reads a policy file. JSON always (strict: duplicate keys and trailing content refused); YAML when
 * the caller has a YAML reader, which only the full tool does: the air-gapped jar carries no YAML
 * parser, and says how to convert.
 */
public final class PolicyFiles {
    /** A policy is a few rules; a larger file is not one. */
    public static final int MAX_BYTES = 1 << 20;

    /** Turns YAML bytes into a JSON tree (duplicate keys refused). */
    @FunctionalInterface
    public interface YamlReader {
        JsonNode read(byte[] yaml) throws IOException;
    }

    private PolicyFiles() {
    }

    /** @param yaml null: JSON only */
    public static Policy load(Path file, YamlReader yaml) {
        byte[] bytes = SmallFiles.read(file, MAX_BYTES, "policy file");
        String text = new String(bytes, StandardCharsets.UTF_8).stripLeading();
        JsonNode tree;
        try {
            if (text.startsWith("{")) {
                tree = RequestJson.readTree(bytes);
            } else if (yaml != null) {
                tree = yaml.read(bytes);
            } else {
                throw SignerException.malformed(file + ": not a JSON policy, and this jar reads no YAML (convert it on "
                        + "the networked host: enclaveos-signer policy check " + file.getFileName() + " --json)");
            }
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw SignerException.malformed(file + ": not a valid policy file: " + msg);
        }
        if (tree == null || tree.isMissingNode()) {
            throw SignerException.malformed(file + ": empty policy file");
        }
        return Policy.parse(tree, file.toString());
    }
}
