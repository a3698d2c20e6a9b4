package org.enclaveos.signer.request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.TerminalText;

/**
 * The text fields of a request, as the review shows them. A field the operator decides on (where the
 * enclave came from, where it goes, how its MRENCLAVE was obtained) has a closed vocabulary or a
 * grammar, and anything else is refused: such a field can never carry a control, escape or bidi
 * character. The two free-text fields (a file path on the networked host, a layout's path inside the
 * image) may name odd files; prepare never writes a control character into them, and sign-offline
 * shows one escaped and warns.
 */
public final class RequestText {
    /** What {@code source.kind} may be: one per way prepare can be given an enclave. */
    public static final Set<String> SOURCE_KINDS = Set.of("image", "enclave", "oe-enclave", "layout", "sgxs", "mrenclave");
    /** What {@code mrenclaveSource} may be: how prepare obtained the MRENCLAVE. */
    public static final Set<String> MRENCLAVE_SOURCES = Set.of("measured-layout", "measured-sgxs", "sdk-enclave", "oe-enclave", "given",
            "converter-signature");

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9]{1,32}/[a-z0-9_]{1,32}(/[a-z0-9]{1,16})?");
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._+-]{1,64}( \\([A-Za-z0-9._:+ -]{1,128}\\))?");
    /**
     * An image reference of a transport the tool knows, as prepare records what the user typed:
     * [docker://][HOST[:PORT]/]REPO[:TAG][@sha256:HEX], oci:DIR[:TAG], docker-archive:FILE.
     */
    private static final Pattern DOCKER_REFERENCE = Pattern.compile("(docker://)?"
            + "(([A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\\[[0-9A-Fa-f:]{2,39}\\])"
            + "(:[0-9]{1,5})?/)?"
            + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
            + "(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?");
    private static final Pattern LOCAL_REFERENCE = Pattern.compile("(oci:[^:]{1,4096}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
            + "|docker-archive:.{1,4096})");

    private RequestText() {
    }

    /** Whether {@code text} is an image reference of a transport this tool knows. */
    public static boolean isReference(String text) {
        if (text == null || text.length() > 4200 || TerminalText.firstUnsafe(text).isPresent()) {
            return false;
        }
        return text.startsWith("oci:") || text.startsWith("docker-archive:") ? LOCAL_REFERENCE.matcher(text).matches()
                : DOCKER_REFERENCE.matcher(text).matches();
    }

    /** Every text field of {@code r} by its path in the request, nulls included. */
    static Map<String, String> fields(SigningRequest r) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("toolVersion", r.toolVersion());
        f.put("target", r.target());
        f.put("mrenclaveSource", r.mrenclaveSource());
        if (r.source() != null) {
            SigningRequest.Source s = r.source();
            f.put("source.kind", s.kind());
            f.put("source.reference", s.reference());
            f.put("source.manifestDigest", s.manifestDigest());
            f.put("source.configDigest", s.configDigest());
            f.put("source.platform", s.platform());
            f.put("source.file", s.file());
            f.put("source.fileSha256", s.fileSha256());
        }
        if (r.layout() != null) {
            f.put("layout.path", r.layout().path());
            f.put("layout.sha256", r.layout().sha256());
        }
        if (r.converter() != null) {
            f.put("converter.mrenclave", r.converter().mrenclave());
        }
        return f;
    }

    /** The free-text fields: shown escaped where they hold what {@link TerminalText} escapes. */
    private static final List<String> FREE_TEXT = List.of("source.file", "layout.path");

    /** prepare's rule: no field of a request it writes holds a character a terminal would obey. */
    static void refuseUnsafe(SigningRequest r) {
        fields(r).forEach((field, value) -> TerminalText.firstUnsafe(value).ifPresent(cp -> {
            throw new SignerException(ErrorKind.MALFORMED_INPUT, "field " + field + " would hold the control or format "
                    + "character " + cp + "; refused (a reviewer's terminal would obey it): '"
                    + value + "'");
        }));
    }

    /** sign-offline's and attach's rule: every field the operator decides on has its vocabulary or grammar. */
    static void checkStructured(SigningRequest r) {
        checkStructured(r, SigningRequest::edited);
    }

    /**
     * The same rule, each violation made into an exception by {@code refuse}: a request read from a
     * file was edited (INTEGRITY); one prepare is about to write was given a bad value (USAGE).
     */
    static void checkStructured(SigningRequest r, Function<String, SignerException> refuse) {
        Map<String, String> f = fields(r);
        if (r.source() == null) {
            throw refuse.apply("field source is missing");
        }
        oneOf(f, "source.kind", SOURCE_KINDS, false, refuse);
        oneOf(f, "mrenclaveSource", MRENCLAVE_SOURCES, false, refuse);
        reference(f, "target", true, refuse);
        reference(f, "source.reference", !"image".equals(r.source().kind()), refuse);
        matches(f, "source.manifestDigest", DIGEST, "sha256: and 64 lower-case hex digits", refuse);
        matches(f, "source.configDigest", DIGEST, "sha256: and 64 lower-case hex digits", refuse);
        matches(f, "source.platform", PLATFORM, "OS/ARCH[/VARIANT], e.g. linux/amd64", refuse);
        matches(f, "source.fileSha256", HEX64, "64 lower-case hex digits", refuse);
        matches(f, "layout.sha256", HEX64, "64 lower-case hex digits", refuse);
        matches(f, "converter.mrenclave", HEX64, "64 lower-case hex digits", refuse);
        matches(f, "toolVersion", VERSION, "a version such as 0.1.0 (commit)", refuse);
        for (String free : FREE_TEXT) {
            String v = f.get(free);
            if (v != null && (v.isEmpty() || v.length() > 4096)) {
                throw refuse.apply("field " + free + " is empty or longer than 4096 characters");
            }
        }
    }

    /** The free-text fields that hold characters shown escaped: one warning each, for the review. */
    public static List<String> escapedFields(SigningRequest r) {
        List<String> warnings = new ArrayList<>();
        Map<String, String> f = fields(r);
        for (String free : FREE_TEXT) {
            TerminalText.firstUnsafe(f.get(free)).ifPresent(cp -> warnings.add("field " + free + " holds the control or "
                    + "format character " + cp + " (shown escaped; prepare never writes one)"));
        }
        return warnings;
    }

    private static void oneOf(Map<String, String> f, String field, Set<String> allowed, boolean nullable,
                              Function<String, SignerException> refuse) {
        String v = f.get(field);
        if (v == null ? !nullable : !allowed.contains(v)) {
            throw refuse.apply("field " + field + " is '" + v + "', expected one of "
                    + String.join(", ", allowed.stream().sorted().toList()));
        }
    }

    private static void reference(Map<String, String> f, String field, boolean nullable,
                                  Function<String, SignerException> refuse) {
        String v = f.get(field);
        if (v == null ? !nullable : !isReference(v)) {
            throw refuse.apply("field " + field + " is '" + v + "', not an image reference "
                    + "(docker://HOST/REPO:TAG, oci:DIR[:TAG] or docker-archive:FILE)");
        }
    }

    private static void matches(Map<String, String> f, String field, Pattern p, String expected,
                                Function<String, SignerException> refuse) {
        String v = f.get(field);
        if (v != null && !p.matcher(v).matches()) {
            throw refuse.apply("field " + field + " is '" + v + "', expected " + expected);
        }
    }
}
