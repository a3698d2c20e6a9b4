package org.enclaveos.signer.request;

import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * A request to sign one enclave: what prepare writes, what an auditor reads and what sign-offline
 * signs. The bytes that matter are {@code unsignedSigstruct}; every other SIGSTRUCT-derived value
 * (the decoded fields, MRENCLAVE, the payload and its hash) is there for people and is checked
 * against those bytes by {@link #checkConsistency}. Documented key by key in docs/request-format.md.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"schema", "toolVersion", "name", "memoryModel", "source", "target", "layout", "mrenclave",
    "mrenclaveSource", "converter", "sigstruct", "unsignedSigstruct", "signingPayload", "signingPayloadSha256",
    "pinnedSigner"})
public record SigningRequest(
        String schema,
        String toolVersion,
        String name,
        String memoryModel,
        Source source,
        String target,
        Layout layout,
        String mrenclave,
        String mrenclaveSource,
        Converter converter,
        ObjectNode sigstruct,
        String unsignedSigstruct,
        String signingPayload,
        String signingPayloadSha256,
        PinnedSigner pinnedSigner) {

    public static final String SCHEMA = "enclaveos-signer/request/v1";
    public static final String FILE_SUFFIX = ".request.json";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** Where the enclave came from. Fields that do not apply to a kind are null. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"kind", "reference", "manifestDigest", "configDigest", "platform", "file", "fileSha256"})
    public record Source(String kind, String reference, String manifestDigest, String configDigest, String platform,
                         String file, String fileSha256) {
        public static Source file(String kind, String file, String sha256) {
            return new Source(kind, null, null, null, null, file, sha256);
        }

        public static Source given() {
            return new Source("mrenclave", null, null, null, null, null, null);
        }
    }

    /** The layout that was measured: its path (inside the image, or on disk) and SHA-256. */
    @JsonPropertyOrder({"path", "sha256"})
    public record Layout(String path, String sha256) {
    }

    /** The MRENCLAVE the converter's own signature carried, and whether ours equals it. */
    @JsonPropertyOrder({"mrenclave", "matches"})
    public record Converter(String mrenclave, boolean matches) {
    }

    /** The only signer sign-offline and attach will accept for this request. */
    @JsonPropertyOrder({"mrsigner"})
    public record PinnedSigner(String mrsigner) {
    }

    /** Builds a request whose derived fields all come from {@code unsigned}. */
    public static SigningRequest create(String toolVersion, String name, MemoryModel model, Source source, String target,
                                        Layout layout, String mrenclaveSource, Converter converter, Sigstruct unsigned,
                                        Hash256 pinnedSigner) {
        if (!NAME.matcher(name).matches()) {
            throw new SignerException(ErrorKind.USAGE, "--name '" + name + "': use letters, digits, '.', '_' and '-' "
                    + "(at most 128, not starting with a dot)");
        }
        Sigstruct s = unsigned.unsigned();
        SigningRequest r = new SigningRequest(SCHEMA, toolVersion, name, model == null ? null : model.id(), source, target,
                layout, s.mrenclave().hex(), mrenclaveSource, converter, SigstructJson.wireV1(s),
                Base64.getEncoder().encodeToString(s.toBytes()), Hex.encode(s.signingPayload()),
                s.signingPayloadSha256().hex(), pinnedSigner == null ? null : new PinnedSigner(pinnedSigner.hex()));
        // What a reviewer's terminal would obey never goes into a request; what sign-offline checks, prepare checks first.
        RequestText.refuseUnsafe(r);
        RequestText.checkStructured(r, message -> new SignerException(ErrorKind.USAGE, message));
        return r;
    }

    /** NAME or NAME.MODEL: the stem of this request's file and of its signature files. */
    public String id() {
        return memoryModel == null ? name : name + "." + memoryModel;
    }

    public String fileName() {
        return id() + FILE_SUFFIX;
    }

    public byte[] toJson() {
        return RequestJson.write(this);
    }

    public static SigningRequest parse(byte[] json, String source) {
        return RequestJson.read(json, SigningRequest.class, source);
    }

    /** The SIGSTRUCT bytes, decoded and parsed (header constants checked). */
    public Sigstruct unsigned() {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(unsignedSigstruct == null ? "" : unsignedSigstruct);
        } catch (IllegalArgumentException e) {
            throw edited("unsignedSigstruct is not base64");
        }
        try {
            return Sigstruct.parse(raw);
        } catch (SignerException e) {
            throw edited("unsignedSigstruct: " + e.getMessage());
        }
    }

    public Optional<Hash256> pinnedMrsigner() {
        return pinnedSigner == null ? Optional.empty() : Optional.of(Hash256.parse("pinnedSigner.mrsigner", pinnedSigner.mrsigner()));
    }

    /**
     * Checks that every value derived from the SIGSTRUCT agrees with its bytes and that those bytes are
     * a well-formed unsigned SIGSTRUCT. Refuses with "request was edited: field X says A, bytes say B".
     *
     * @param fileName the name the request was read from; it must be {@link #fileName()}
     */
    public Sigstruct checkConsistency(String fileName) {
        if (!SCHEMA.equals(schema)) {
            throw new SignerException(ErrorKind.UNSUPPORTED, "request schema is '" + schema + "', this tool reads " + SCHEMA);
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw edited("field name is '" + name + "', not a valid request name");
        }
        if (memoryModel != null && !memoryModel.equals("sgx1") && !memoryModel.equals("sgx2")) {
            throw edited("field memoryModel is '" + memoryModel + "', expected sgx1, sgx2 or null");
        }
        if (fileName != null && !fileName.equals(fileName())) {
            throw edited("the file is named " + fileName + " but its name and memoryModel say " + fileName());
        }
        RequestText.checkStructured(this);
        Sigstruct s = unsigned();
        if (!s.equals(s.unsigned())) {
            throw edited("unsignedSigstruct carries MODULUS, EXPONENT, SIGNATURE, Q1 or Q2; a request has them zero");
        }
        Verification v = SigstructVerifier.verify(s);
        for (Verification.Name n : new Verification.Name[] {Verification.Name.RESERVED_ZERO, Verification.Name.INIT_CLEAR}) {
            if (!v.passed(n)) {
                throw edited("unsignedSigstruct: " + v.checks().stream().filter(c -> c.name() == n).findFirst()
                        .orElseThrow().detail());
            }
        }
        compare("mrenclave", mrenclave, s.mrenclave().hex());
        compare("signingPayload", signingPayload, Hex.encode(s.signingPayload()));
        compare("signingPayloadSha256", signingPayloadSha256, s.signingPayloadSha256().hex());
        diff("sigstruct", sigstruct, SigstructJson.wireV1(s));
        if (converter != null) {
            boolean same = s.mrenclave().hex().equals(converter.mrenclave());
            if (same != converter.matches()) {
                throw edited("field converter.matches says " + converter.matches() + ", but converter.mrenclave "
                        + (same ? "equals" : "differs from") + " mrenclave");
            }
        }
        if (pinnedSigner != null && (pinnedSigner.mrsigner() == null || !HEX64.matcher(pinnedSigner.mrsigner()).matches())) {
            throw edited("field pinnedSigner.mrsigner is '" + pinnedSigner.mrsigner() + "', expected 64 lower-case hex digits");
        }
        return s;
    }

    private static void compare(String field, String says, String bytes) {
        if (!bytes.equals(says)) {
            throw edited("field " + field + " says " + says + ", bytes say " + bytes);
        }
    }

    private static void diff(String path, JsonNode says, JsonNode bytes) {
        if (says == null || !says.isObject()) {
            throw edited("field " + path + " is missing or not an object");
        }
        Iterator<Map.Entry<String, JsonNode>> expected = bytes.fields();
        while (expected.hasNext()) {
            Map.Entry<String, JsonNode> e = expected.next();
            JsonNode got = says.get(e.getKey());
            String p = path + "." + e.getKey();
            if (e.getValue().isObject()) {
                diff(p, got, e.getValue());
            } else if (got == null || !got.equals(e.getValue())) {
                throw edited("field " + p + " says " + (got == null ? "nothing" : got.toString()) + ", bytes say " + e.getValue());
            }
        }
        Iterator<String> names = says.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!bytes.has(n)) {
                throw edited("field " + path + "." + n + " is not a SIGSTRUCT field");
            }
        }
    }

    static SignerException edited(String what) {
        return new SignerException(ErrorKind.INTEGRITY, "request was edited: " + what);
    }
}
