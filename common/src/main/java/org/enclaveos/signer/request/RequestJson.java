package org.enclaveos.signer.request;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.enclaveos.signer.SignerException;

/**
 * The one JSON configuration for the files that cross the air gap: strict on reading (unknown keys,
 * duplicate keys, trailing content and oversized documents are refused), stable on writing (the same
 * value always gives the same bytes: two-space indent, LF line ends, final newline).
 */
public final class RequestJson {
    /**
     * No request or response comes near this; a bigger file is not one of ours. A bundle lists every
     * request of a directory, so it has its own bound, {@link RequestBundle#MAX_BYTES}.
     */
    public static final int MAX_BYTES = 1 << 20;

    // Private: a public mapper could be reconfigured by any caller, changing every file's bytes.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build());
    }

    private RequestJson() {
    }

    /**
     * Made once: a ceremony writes a response per request from its writer threads. Shared safely: an
     * ObjectWriter is immutable, and Jackson copies the pretty printer (it is Instantiatable) per value.
     */
    private static final com.fasterxml.jackson.databind.ObjectWriter WRITER = MAPPER.writer(
            new com.fasterxml.jackson.core.util.DefaultPrettyPrinter()
                    .withObjectIndenter(new com.fasterxml.jackson.core.util.DefaultIndenter("  ", "\n")));

    public static byte[] write(Object value) {
        try {
            String text = WRITER.writeValueAsString(value);
            return (text + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    public static <T> T read(byte[] bytes, Class<T> type, String source) {
        return read(bytes, type, source, MAX_BYTES);
    }

    static <T> T read(byte[] bytes, Class<T> type, String source, int maxBytes) {
        if (bytes.length > maxBytes) {
            throw SignerException.malformed(source + ": " + bytes.length + " bytes is larger than any "
                    + type.getSimpleName() + " (at most " + maxBytes + ")");
        }
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw SignerException.malformed(source + ": not a valid " + type.getSimpleName() + ": " + msg);
        }
    }

    /** A JSON document read with the strict settings (duplicate keys, trailing content refused). */
    public static JsonNode readTree(byte[] json) throws IOException {
        return MAPPER.readTree(json);
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }
}
