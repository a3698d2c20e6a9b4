package org.enclaveos.signer.image;

import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * What makes an image a converted (EnclaveOS / Data Shield) one, read from its config: the converter's
 * SIGSTRUCT per memory model ({@code ENCLAVEOS_SIGNATURE}, {@code ENCLAVEOS_SIGNATURE2}; empty or
 * missing means none) and the path of each model's layout file ({@code org.enclaveos.layout.sgx1},
 * {@code .sgx2} labels). See docs/converted-image.md.
 */
public record ConvertedImage(Map<MemoryModel, Optional<Sigstruct>> signatures, Map<MemoryModel, Optional<String>> layouts) {
    public static final String LABEL_PREFIX = "org.enclaveos.layout.";

    public static ConvertedImage of(ResolvedImage image) {
        JsonNode cfg = image.config().path("config");
        Map<MemoryModel, Optional<Sigstruct>> sigs = new EnumMap<>(MemoryModel.class);
        Map<MemoryModel, Optional<String>> layouts = new EnumMap<>(MemoryModel.class);
        for (MemoryModel m : MemoryModel.values()) {
            sigs.put(m, env(cfg, m.envVariable()).filter(v -> !v.isEmpty()).map(v -> decode(image, m, v)));
            layouts.put(m, Optional.ofNullable(cfg.path("Labels").path(LABEL_PREFIX + m.id()).asText(null))
                    .filter(s -> !s.isEmpty()));
        }
        // EnumMaps, read-only: in model order (Map.copyOf iterates in an order that changes from run to run).
        return new ConvertedImage(java.util.Collections.unmodifiableMap(sigs), java.util.Collections.unmodifiableMap(layouts));
    }

    /** The value of {@code NAME=value} in the config's Env, if present (the last one wins, as in docker). */
    static Optional<String> env(JsonNode cfg, String name) {
        String value = null;
        for (JsonNode e : cfg.path("Env")) {
            String s = e.asText("");
            if (s.startsWith(name + "=")) {
                value = s.substring(name.length() + 1);
            }
        }
        return Optional.ofNullable(value);
    }

    private static Sigstruct decode(ResolvedImage image, MemoryModel m, String value) {
        try {
            return Sigstruct.parse(Base64.getDecoder().decode(value.trim()));
        } catch (IllegalArgumentException e) {
            throw SignerException.malformed(image.reference() + ": config Env " + m.envVariable() + " is not base64");
        } catch (SignerException e) {
            throw e.in(image.reference() + ": config Env " + m.envVariable());
        }
    }

    public boolean isConverted() {
        return signatures.values().stream().anyMatch(Optional::isPresent);
    }
}
