package org.enclaveos.signer.hostile;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.PassphraseSource;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.layout.ContentSource;
import org.enclaveos.signer.layout.LayoutBuilder;
import org.enclaveos.signer.layout.LayoutManifest;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestBundle;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.SdkEnclaveImage;
import org.enclaveos.signer.testing.SgxsBuilder;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Hostile input for every parser: random bytes, and valid inputs truncated or with bytes changed.
 * Each must give its result or a SignerException of a documented kind, never another exception (a
 * bug, exit 70) and never a hang. The tries are bounded, so the suite stays fast.
 */
class ParserPropertiesTest {
    static final Set<ErrorKind> INPUT_ERRORS = EnumSet.of(ErrorKind.MALFORMED_INPUT, ErrorKind.UNSUPPORTED,
            ErrorKind.INTEGRITY);
    static final byte[] VALID_SIGSTRUCT = Sigstruct.builder().isvSvn(3).attributes(new Attributes(4, 3))
            .mrenclave(Hash256.sha256(new byte[] {9})).build().toBytes();
    static final byte[] VALID_SGXS = new SgxsBuilder().ecreate(1, 0x8000).measuredPage(0, 0x100, 1).eadd(0x1000, 0x203)
            .unmeasured(0x1000, new byte[256]).measuredPage(0x2000, 0x205, 2).bytes();
    static final byte[] VALID_ENCLAVE = SdkEnclaveImage.build(VALID_SIGSTRUCT);
    static final byte[] VALID_REQUEST = SigningRequest.create("t", "app", MemoryModel.SGX1, SigningRequest.Source.given(),
            "reg/app:1", null, "given", null, Sigstruct.parse(VALID_SIGSTRUCT), null).toJson();
    static final byte[] VALID_MANIFEST = """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x10000", "ssaFrameSize": 1},
             "ranges": [{"name": "a", "offset": 0, "pages": 2, "flags": "0x203", "content": {"fill": "0xcccccccc"}},
                        {"name": "b", "offset": "0x2000", "pages": 3, "flags": "0x207", "measure": "none", "models": ["sgx1"]},
                        {"name": "c", "offset": "0x8000", "pages": 1, "flags": "0x201", "measure": "0x00ff",
                         "content": {"inline": "aGVsbG8="}}]}
            """.getBytes(StandardCharsets.UTF_8);

    static void expectDocumented(ThrowingRunnable r, Set<ErrorKind> kinds) {
        try {
            r.run();
        } catch (SignerException e) {
            if (!kinds.contains(e.kind())) {
                throw new AssertionError("undocumented kind " + e.kind() + ": " + e.getMessage(), e);
            }
        } catch (Exception e) {
            throw new AssertionError("not a SignerException: " + e, e);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Provide
    Arbitrary<byte[]> mutatedSigstruct() {
        return mutations(VALID_SIGSTRUCT);
    }

    @Provide
    Arbitrary<byte[]> mutatedSgxs() {
        return mutations(VALID_SGXS);
    }

    @Provide
    Arbitrary<byte[]> mutatedEnclave() {
        return mutations(VALID_ENCLAVE);
    }

    @Provide
    Arbitrary<byte[]> mutatedRequest() {
        return mutations(VALID_REQUEST);
    }

    @Provide
    Arbitrary<byte[]> mutatedManifest() {
        return mutations(VALID_MANIFEST);
    }

    /** The valid input, truncated at a random point, or with 1 to 4 random bytes changed. */
    static Arbitrary<byte[]> mutations(byte[] valid) {
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, valid.length - 1)
                .map(n -> java.util.Arrays.copyOf(valid, n));
        Arbitrary<byte[]> changed = Arbitraries.integers().between(0, valid.length - 1).list().ofMinSize(1).ofMaxSize(4)
                .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size()).map(values -> {
                    byte[] b = valid.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        b[positions.get(i)] = values.get(i);
                    }
                    return b;
                }));
        return Arbitraries.oneOf(truncated, changed);
    }

    @Property(tries = 300)
    void sigstructParseAndVerify(@ForAll("mutatedSigstruct") byte[] input) {
        expectDocumented(() -> SigstructVerifier.verify(Sigstruct.parse(input)), INPUT_ERRORS);
    }

    @Property(tries = 200)
    void sigstructFromRandomBytes(@ForAll @Size(max = 2000) byte[] input) {
        expectDocumented(() -> SigstructVerifier.verify(Sigstruct.parse(input)), INPUT_ERRORS);
    }

    @Property(tries = 300)
    void sgxsStreams(@ForAll("mutatedSgxs") byte[] input) {
        expectDocumented(() -> Sgxs.measure(new ByteArrayInputStream(input)), INPUT_ERRORS);
    }

    @Property(tries = 200)
    void sgxsFromRandomBytes(@ForAll @Size(max = 4000) byte[] input) {
        expectDocumented(() -> Sgxs.measure(new ByteArrayInputStream(input)), INPUT_ERRORS);
    }

    @Property(tries = 200)
    void sdkEnclaves(@ForAll("mutatedEnclave") byte[] input) throws IOException {
        Path f = Files.createTempFile("hostile", ".so");
        try {
            Files.write(f, input);
            expectDocumented(() -> {
                SignedEnclave e = SignedEnclave.read(f);
                for (int i = 0; i < e.blocks().size(); i++) {
                    e.mrenclave(i);
                }
            }, INPUT_ERRORS);
        } finally {
            Files.delete(f);
        }
    }

    @Property(tries = 300)
    void requests(@ForAll("mutatedRequest") byte[] input) {
        expectDocumented(() -> SigningRequest.parse(input, "r").checkConsistency("app.sgx1.request.json"), INPUT_ERRORS);
    }

    @Property(tries = 200)
    void responsesBundlesAndRequestsFromRandomJsonish(@ForAll("jsonish") String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        expectDocumented(() -> SigningResponse.parse(b, "r"), INPUT_ERRORS);
        expectDocumented(() -> RequestBundle.parse(b, "b"), INPUT_ERRORS);
        expectDocumented(() -> SigningRequest.parse(b, "q").checkConsistency(null), INPUT_ERRORS);
        expectDocumented(() -> LayoutManifest.parse(b, "m"), INPUT_ERRORS);
    }

    @Provide
    Arbitrary<String> jsonish() {
        return Arbitraries.strings().withChars("{}[]\":,0123456789abcdefx-. \ntrueflsn").ofMaxLength(200);
    }

    @Property(tries = 300)
    void layoutManifests(@ForAll("mutatedManifest") byte[] input) throws IOException {
        Path d = Files.createTempDirectory("manifest");
        try {
            expectDocumented(() -> LayoutBuilder.measure(LayoutManifest.parse(input, "m"), EnumSet.allOf(MemoryModel.class),
                    ContentSource.directory(d)), EnumSet.of(ErrorKind.MALFORMED_INPUT, ErrorKind.UNSUPPORTED, ErrorKind.IO));
        } finally {
            Files.delete(d);
        }
    }

    @Property(tries = 100)
    void pemKeys(@ForAll("pem") String text) throws IOException {
        Path f = Files.createTempFile("key", ".pem");
        try {
            Files.writeString(f, text);
            expectDocumented(() -> PemKeys.loadSigningKey(f, PassphraseSource.NONE), EnumSet.of(ErrorKind.KEY));
            expectDocumented(() -> PemKeys.loadVerifyingKey(f), EnumSet.of(ErrorKind.KEY));
        } finally {
            Files.delete(f);
        }
    }

    @Provide
    Arbitrary<String> pem() {
        Arbitrary<String> body = Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n")
                .ofMaxLength(600);
        Arbitrary<String> label = Arbitraries.of("PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PUBLIC KEY",
                "RSA PUBLIC KEY", "CERTIFICATE", "EC PRIVATE KEY", "X");
        return net.jqwik.api.Combinators.combine(label, body)
                .as((l, b) -> "-----BEGIN " + l + "-----\n" + b + "\n-----END " + l + "-----\n");
    }
}
