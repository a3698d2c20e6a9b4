package org.enclaveos.signer.layout;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.measure.Measurement;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestJson;

/**
 * A layout manifest: an enclave's build described in a few lines instead of a multi-gigabyte SGXS
 * stream. ECREATE's size and SSA frame size, then page ranges in build order, each with its SECINFO
 * flags, its content (bytes of a file at an offset, zeros, a 32-bit fill pattern, or small inline
 * data) and which 256-byte chunks of each page are measured. A range may belong to one memory model
 * only (the free heap of the SGX1 layout), so both models' common prefix is plain to see and is
 * hashed once. Documented in docs/layout-manifest.md, with a JSON Schema beside it.
 */
public record LayoutManifest(long enclaveSize, long ssaFrameSize, List<Range> ranges) {
    public static final String SCHEMA = "enclaveos-signer/layout/v1";
    /** Inline content is for small things (a TCS, a config page); large content belongs in a file. */
    public static final int MAX_INLINE_BYTES = 1 << 16;
    public static final int MAX_RANGES = 1 << 16;
    /** The largest manifest read: MAX_RANGES ranges of a few hundred bytes each. */
    public static final int MAX_BYTES = MAX_RANGES * 512;

    /** Where a range's bytes come from. */
    public sealed interface Content permits Zero, Fill, Inline, FileBytes {
    }

    /** All zero bytes (the default). */
    public record Zero() implements Content {
    }

    /** A u32 repeated over every page (the SDK fills stacks with 0xCCCCCCCC). */
    public record Fill(int pattern) implements Content {
    }

    /** A few bytes given in the manifest, at the start of the range, zeros after. */
    public record Inline(byte[] bytes) implements Content {
    }

    /** {@code length} bytes of {@code path} from {@code offset}, at the start of the range, zeros after. */
    public record FileBytes(String path, long offset, long length) implements Content {
    }

    /**
     * Pages {@code [offset, offset + pages * 4096)}, each EADDed with {@code flags}; the chunks whose
     * bit is set in {@code chunkMask} (bit i = bytes 256i..256i+255 of the page) are EEXTENDed.
     */
    public record Range(String name, long offset, long pages, long flags, int chunkMask, Content content,
                        Set<MemoryModel> models) {
        public long end() {
            return offset + pages * Measurement.PAGE_SIZE;
        }

        public boolean in(MemoryModel model) {
            return models.contains(model);
        }
    }

    /** The ranges of one memory model, in build order. */
    public List<Range> ranges(MemoryModel model) {
        return ranges.stream().filter(r -> r.in(model)).toList();
    }

    /** The models at least one range belongs to. */
    public Set<MemoryModel> models() {
        java.util.EnumSet<MemoryModel> m = java.util.EnumSet.noneOf(MemoryModel.class);
        ranges.forEach(r -> m.addAll(r.models()));
        return m;
    }

    public static LayoutManifest parse(byte[] json, String source) {
        JsonNode root;
        try {
            if (json.length > RequestJson.MAX_BYTES * 4L) {
                throw bad(source, "larger than 4 MiB; a layout manifest describes ranges, not content");
            }
            root = RequestJson.readTree(json);
        } catch (java.io.IOException e) {
            throw bad(source, "not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw bad(source, "expected a JSON object");
        }
        only(root, source, "", Set.of("schema", "enclave", "ranges"));
        if (!SCHEMA.equals(root.path("schema").asText())) {
            throw new SignerException(ErrorKind.UNSUPPORTED, source + ": schema is '" + root.path("schema").asText()
                    + "', this tool reads " + SCHEMA);
        }
        JsonNode enclave = root.path("enclave");
        only(enclave, source, "enclave", Set.of("size", "ssaFrameSize"));
        long size = number(enclave.get("size"), source, "enclave.size", 64);
        long ssa = number(enclave.get("ssaFrameSize"), source, "enclave.ssaFrameSize", 32);
        if (size < Measurement.PAGE_SIZE || Long.bitCount(size) != 1) {
            throw bad(source, String.format("enclave.size 0x%x is not a power of two of at least 0x1000", size));
        }
        if (ssa < 1) {
            throw bad(source, "enclave.ssaFrameSize must be at least 1");
        }
        JsonNode list = root.path("ranges");
        if (!list.isArray() || list.isEmpty() || list.size() > MAX_RANGES) {
            throw bad(source, "ranges must be a non-empty array of at most " + MAX_RANGES + " ranges");
        }
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ranges.add(range(list.get(i), source, "ranges[" + i + "]", size));
        }
        LayoutManifest m = new LayoutManifest(size, ssa, List.copyOf(ranges));
        for (MemoryModel model : MemoryModel.values()) {
            long previousEnd = 0;
            String previous = null;
            for (Range r : m.ranges(model)) {
                if (r.offset() < previousEnd) {
                    throw bad(source, String.format("range '%s' at 0x%x overlaps or precedes range '%s' (ends 0x%x) in the %s "
                            + "layout; ranges go in increasing address order", r.name(), r.offset(), previous, previousEnd,
                            model.id()));
                }
                previousEnd = r.end();
                previous = r.name();
            }
        }
        return m;
    }

    private static Range range(JsonNode n, String source, String where, long size) {
        if (!n.isObject()) {
            throw bad(source, where + " must be an object");
        }
        only(n, source, where, Set.of("name", "offset", "pages", "flags", "measure", "content", "models"));
        String name = n.path("name").asText(where);
        where = where + " ('" + name + "')";
        long offset = number(n.get("offset"), source, where + ".offset", 64);
        long pages = number(n.get("pages"), source, where + ".pages", 64);
        long flags = number(n.get("flags"), source, where + ".flags", 64);
        if ((offset & (Measurement.PAGE_SIZE - 1)) != 0 || pages < 1 || pages > size / Measurement.PAGE_SIZE
                || offset > size - pages * Measurement.PAGE_SIZE) {
            throw bad(source, String.format("%s: 0x%x + %d pages is not a page-aligned range inside the enclave (0x%x)",
                    where, offset, pages, size));
        }
        String measure = n.path("measure").asText("all");
        int mask = switch (measure) {
            case "all" -> 0xFFFF;
            case "none" -> 0;
            default -> (int) number(n.get("measure"), source, where + ".measure (all, none or a 16-bit chunk mask)", 16);
        };
        Content content = content(n.get("content"), source, where + ".content", pages);
        Set<MemoryModel> models = java.util.EnumSet.allOf(MemoryModel.class);
        if (n.has("models")) {
            models = java.util.EnumSet.noneOf(MemoryModel.class);
            for (JsonNode m : n.get("models")) {
                try {
                    models.addAll(MemoryModel.parseSelection(m.asText()));
                } catch (IllegalArgumentException e) {
                    throw bad(source, where + ".models: " + e.getMessage());
                }
            }
            if (models.isEmpty()) {
                throw bad(source, where + ".models is empty");
            }
        }
        return new Range(name, offset, pages, flags, mask, content, Set.copyOf(models));
    }

    private static Content content(JsonNode n, String source, String where, long pages) {
        if (n == null || n.isNull()) {
            return new Zero();
        }
        if (!n.isObject() || n.size() == 0) {
            throw bad(source, where + " must be an object: {\"zero\": true}, {\"fill\": \"0xcccccccc\"}, "
                    + "{\"inline\": BASE64} or {\"file\": PATH, \"offset\": N, \"length\": N}");
        }
        long capacity = pages * Measurement.PAGE_SIZE;
        if (n.has("zero")) {
            only(n, source, where, Set.of("zero"));
            return new Zero();
        }
        if (n.has("fill")) {
            only(n, source, where, Set.of("fill"));
            return new Fill((int) number(n.get("fill"), source, where + ".fill", 32));
        }
        if (n.has("inline")) {
            only(n, source, where, Set.of("inline"));
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(n.get("inline").asText());
            } catch (IllegalArgumentException e) {
                throw bad(source, where + ".inline is not base64");
            }
            if (bytes.length > Math.min(MAX_INLINE_BYTES, capacity)) {
                throw bad(source, where + ".inline has " + bytes.length + " bytes, more than the range or "
                        + MAX_INLINE_BYTES);
            }
            return new Inline(bytes);
        }
        only(n, source, where, Set.of("file", "offset", "length"));
        String path = n.path("file").asText("");
        if (path.isEmpty()) {
            throw bad(source, where + ".file must name a file");
        }
        long offset = n.has("offset") ? number(n.get("offset"), source, where + ".offset", 62) : 0;
        long length = number(n.get("length"), source, where + ".length", 62);
        if (length > capacity) {
            throw bad(source, where + ".length " + length + " is more than the range holds (" + capacity + ")");
        }
        return new FileBytes(path, offset, length);
    }

    /** A JSON number, or a string in decimal or 0x hex, of at most {@code bits} bits (unsigned). */
    static long number(JsonNode n, String source, String where, int bits) {
        if (n == null || n.isNull()) {
            throw bad(source, where + " is missing");
        }
        BigInteger v;
        try {
            if (n.isIntegralNumber()) {
                v = n.bigIntegerValue();
            } else if (n.isTextual()) {
                String t = n.asText().trim();
                v = t.startsWith("0x") || t.startsWith("0X") ? new BigInteger(t.substring(2), 16) : new BigInteger(t);
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw bad(source, where + " is not a number: " + n);
        }
        if (v.signum() < 0 || v.bitLength() > bits) {
            throw bad(source, where + " is outside 0.." + BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE) + ": " + n);
        }
        return v.longValue();
    }

    private static void only(JsonNode n, String source, String where, Set<String> allowed) {
        if (!n.isObject()) {
            throw bad(source, (where.isEmpty() ? "the manifest" : where) + " must be an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (!allowed.contains(key)) {
                throw bad(source, (where.isEmpty() ? "" : where + ": ") + "unknown key '" + key + "' (expected "
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static SignerException bad(String source, String what) {
        return SignerException.malformed(source + ": " + what);
    }
}
