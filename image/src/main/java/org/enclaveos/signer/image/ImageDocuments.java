package org.enclaveos.signer.image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/** Reading image manifests, indexes and configs as JSON trees, so nothing we do not know is lost. */
final class ImageDocuments {
    // Numbers we pass through must come out exactly as they went in: 1.50 stays 1.50.
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();

    private ImageDocuments() {
    }

    static JsonNode parse(byte[] bytes, String what) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw SignerException.malformed(what + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw SignerException.malformed(what + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The media type of a manifest or index: its own field, else the descriptor's, else guessed from its shape. */
    static String mediaType(JsonNode doc, String declared) {
        String own = doc.path("mediaType").asText(null);
        if (own != null) {
            return own;
        }
        if (declared != null) {
            return declared;
        }
        return doc.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }

    /** From an index, the manifest for {@code platform} (os/arch[/variant]); a clear error if there is none. */
    static Descriptor selectPlatform(JsonNode index, String platform, String what) {
        List<String> available = new ArrayList<>();
        int i = 0;
        for (JsonNode m : index.path("manifests")) {
            Descriptor d = Descriptor.of(m, what + " manifests[" + i++ + "]");
            if (d.platform() != null) {
                available.add(d.platform());
                if (d.platform().equals(platform) || (!platform.contains("/v") && d.platform().startsWith(platform + "/"))) {
                    return d;
                }
            }
        }
        throw new SignerException(ErrorKind.UNSUPPORTED, what + " has no manifest for platform " + platform
                + " (it has: " + (available.isEmpty() ? "none" : String.join(", ", available)) + "); use --platform");
    }

    static List<Descriptor> layers(JsonNode manifest, String what) {
        List<Descriptor> out = new ArrayList<>();
        int i = 0;
        for (JsonNode l : manifest.path("layers")) {
            out.add(Descriptor.of(l, what + " layers[" + i++ + "]"));
        }
        return List.copyOf(out);
    }
}
