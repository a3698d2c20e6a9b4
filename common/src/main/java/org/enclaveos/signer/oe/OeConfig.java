package org.enclaveos.signer.oe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.SmallFiles;

/**
 * An oesign configuration file ({@code Debug=1}, {@code NumHeapPages=1024}, ...), read with oesign's
 * rules: one setting a line, {@code #} comments, the name and value split at the first space, tab or
 * {@code =}, decimal values, a setting given twice refused. Its values override the enclave's own
 * {@code .oeinfo} properties, as oesign does.
 */
public record OeConfig(Map<String, Long> settings) {
    /** Settings this tool applies, with their ranges (oesign's validity rules). */
    private static final Map<String, long[]> RANGES = Map.of(
            "Debug", new long[] {0, 1},
            "NumHeapPages", new long[] {1, Long.MAX_VALUE / 4096},
            "NumStackPages", new long[] {1, Long.MAX_VALUE / 4096},
            "NumTCS", new long[] {1, 32},
            "ProductID", new long[] {0, 0xFFFF},
            "SecurityVersion", new long[] {0, 0xFFFF});
    /** oesign settings that change the enclave in ways this tool does not measure yet. */
    private static final Set<String> NOT_YET = Set.of("FamilyID", "ExtendedProductID", "CapturePFGPExceptions",
            "CreateZeroBaseEnclave", "StartAddress");

    public static OeConfig read(Path file) {
        String text = new String(SmallFiles.read(file, 64 * 1024, "oesign configuration"), StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (SignerException e) {
            throw e.in(file.toString());
        }
    }

    static OeConfig parse(String text) {
        Map<String, Long> settings = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int split = 0;
            while (split < line.length() && " \t=".indexOf(line.charAt(split)) < 0) {
                split++;
            }
            String name = line.substring(0, split);
            String value = line.substring(split).replaceFirst("^[ \t=]+", "");
            String where = "line " + (n + 1);
            if (name.isEmpty() || value.isEmpty()) {
                throw SignerException.malformed(where + ": syntax error (expected NAME=VALUE)");
            }
            if (NOT_YET.contains(name)) {
                throw new SignerException(ErrorKind.UNSUPPORTED, where + ": " + name + " is an oesign setting this tool "
                        + "does not apply yet (it applies Debug, NumHeapPages, NumStackPages, NumTCS, ProductID, "
                        + "SecurityVersion)");
            }
            long[] range = RANGES.get(name);
            if (range == null) {
                throw SignerException.malformed(where + ": unknown setting " + name);
            }
            long v;
            try {
                v = value.matches("[0-9]{1,19}") ? Long.parseLong(value) : -1;
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < range[0] || v > range[1]) {
                throw SignerException.malformed(where + ": bad value for '" + name + "': " + value + " (expected "
                        + range[0] + " to " + range[1] + ")");
            }
            if (settings.putIfAbsent(name, v) != null) {
                throw SignerException.malformed(where + ": duplicate '" + name + "' value provided");
            }
        }
        return new OeConfig(Map.copyOf(settings));
    }

    /** The enclave's properties with these settings laid over them. */
    public OeProperties applyTo(OeProperties p) {
        OeProperties out = p;
        for (Map.Entry<String, Long> e : settings.entrySet()) {
            long v = e.getValue();
            out = switch (e.getKey()) {
                case "Debug" -> out.withDebug(v == 1);
                case "NumHeapPages" -> out.withHeapPages(v);
                case "NumStackPages" -> out.withStackPages(v);
                case "NumTCS" -> out.withTcsCount(v);
                case "ProductID" -> out.withProductId((int) v);
                case "SecurityVersion" -> out.withSecurityVersion((int) v);
                default -> throw new IllegalStateException(e.getKey());
            };
        }
        return out;
    }
}
