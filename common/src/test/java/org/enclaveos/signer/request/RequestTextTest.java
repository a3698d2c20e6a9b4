package org.enclaveos.signer.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vocabulary and grammar of the request fields the operator decides on. */
class RequestTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "registry.example/app:1|true", "docker://registry.example/team/app:1.0|true", "app|true", "library/app:latest|true",
        "127.0.0.1:5000/app:1|true", "[::1]:5000/app@sha256:" + "ab" + "|false",
        "localhost:5000/a/b/c:t@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef|true",
        "oci:/tmp/layout:v1|true", "oci:relative/dir|true", "docker-archive:/tmp/x.tar|true",
        "https://registry.example/app:1|false", "ftp://x/y|false", "registry.example/App:1|false", "a/b:c:d|false",
        "registry.example/app:1 DEBUG no|false", "|false", "oci:|false", "docker-archive:|false", "oci:/x:bad tag|false",
        "registry.example/app:-tag|false", "registry.example/app@sha256:abc|false"})
    void references(String text, boolean valid) {
        assertEquals(valid, RequestText.isReference(text == null ? "" : text), text);
    }

    @Test
    void aReferenceWithAControlCharacterOrHugeIsNone() {
        assertEquals(false, RequestText.isReference("oci:/tmp/x\u001b[2A"));
        assertEquals(false, RequestText.isReference("docker-archive:/tmp/\u202ex.tar"));
        assertEquals(false, RequestText.isReference("oci:/" + "a".repeat(4200)));
        assertEquals(false, RequestText.isReference(null));
    }

    SigningRequest with(SigningRequest.Source source, String target, String mrenclaveSource, SigningRequest.Layout layout) {
        SigningRequest r = Requests.request("app", MemoryModel.SGX1, Requests.production(1), null);
        return new SigningRequest(r.schema(), r.toolVersion(), r.name(), r.memoryModel(), source, target, layout,
                r.mrenclave(), mrenclaveSource, r.converter(), r.sigstruct(), r.unsignedSigstruct(), r.signingPayload(),
                r.signingPayloadSha256(), r.pinnedSigner());
    }

    @Test
    void everyDecidedFieldHasItsVocabulary() {
        SigningRequest ok = Requests.request("app", MemoryModel.SGX1, Requests.production(1), null);
        RequestText.checkStructured(ok);
        SigningRequest.Source s = ok.source();
        List<SigningRequest> bad = List.of(
                with(null, ok.target(), ok.mrenclaveSource(), ok.layout()),
                with(new SigningRequest.Source("images", s.reference(), s.manifestDigest(), s.configDigest(), s.platform(), null, null),
                        ok.target(), ok.mrenclaveSource(), ok.layout()),
                with(new SigningRequest.Source("image", null, s.manifestDigest(), s.configDigest(), s.platform(), null, null),
                        ok.target(), ok.mrenclaveSource(), ok.layout()),
                with(new SigningRequest.Source("image", s.reference(), "sha256:AB", s.configDigest(), s.platform(), null, null),
                        ok.target(), ok.mrenclaveSource(), ok.layout()),
                with(new SigningRequest.Source("image", s.reference(), s.manifestDigest(), "md5:x", s.platform(), null, null),
                        ok.target(), ok.mrenclaveSource(), ok.layout()),
                with(new SigningRequest.Source("image", s.reference(), s.manifestDigest(), s.configDigest(), "Linux AMD64", null, null),
                        ok.target(), ok.mrenclaveSource(), ok.layout()),
                with(new SigningRequest.Source("sgxs", null, null, null, null, "/x.sgxs", "XY"), ok.target(), ok.mrenclaveSource(),
                        ok.layout()),
                with(new SigningRequest.Source("sgxs", null, null, null, null, "", "ab".repeat(32)), ok.target(),
                        ok.mrenclaveSource(), ok.layout()),
                with(s, "not a reference", ok.mrenclaveSource(), ok.layout()),
                with(s, ok.target(), "measured", ok.layout()),
                with(s, ok.target(), null, ok.layout()),
                with(s, ok.target(), ok.mrenclaveSource(), new SigningRequest.Layout("/x", "sha256")),
                with(s, ok.target(), ok.mrenclaveSource(), new SigningRequest.Layout("x".repeat(4097), "ab".repeat(32))));
        for (SigningRequest r : bad) {
            SignerException e = assertThrows(SignerException.class, () -> RequestText.checkStructured(r), r.toString());
            assertEquals(ErrorKind.INTEGRITY, e.kind());
        }
        RequestText.checkStructured(with(s, null, ok.mrenclaveSource(), null)); // no target, no layout: fine
    }

    @Test
    void onlyTheFreeTextFieldsAreWarnedAbout() {
        SigningRequest ok = Requests.request("app", MemoryModel.SGX1, Requests.production(1), null);
        assertEquals(List.of(), RequestText.escapedFields(ok));
        SigningRequest odd = with(new SigningRequest.Source("sgxs", null, null, null, null, "/x\u202e.sgxs", "ab".repeat(32)),
                ok.target(), ok.mrenclaveSource(), new SigningRequest.Layout("/y\u001b", "ab".repeat(32)));
        assertEquals(List.of("field source.file holds the control or format character U+202E (shown escaped; prepare never "
                + "writes one)", "field layout.path holds the control or format character U+001B (shown escaped; prepare never "
                + "writes one)"), RequestText.escapedFields(odd));
        SignerException refused = assertThrows(SignerException.class, () -> RequestText.refuseUnsafe(odd));
        assertEquals(ErrorKind.MALFORMED_INPUT, refused.kind());
    }

    @Test
    void limitsAreExactAndTheConverterAndToolVersionHaveTheirGrammar() {
        assertEquals(true, RequestText.isReference("registry.example/" + "a".repeat(4183)), "4200 characters");
        assertEquals(false, RequestText.isReference("registry.example/" + "a".repeat(4184)), "4201 characters");
        assertEquals(false, RequestText.isReference("oci:/" + "a".repeat(4096)), "a path of 4097 characters");
        SigningRequest ok = Requests.request("app", MemoryModel.SGX1, Requests.production(1), null);
        RequestText.checkStructured(with(ok.source(), ok.target(), ok.mrenclaveSource(),
                new SigningRequest.Layout("x".repeat(4096), "ab".repeat(32))));
        SigningRequest noConverter = new SigningRequest(ok.schema(), ok.toolVersion(), ok.name(), ok.memoryModel(), ok.source(),
                ok.target(), ok.layout(), ok.mrenclave(), ok.mrenclaveSource(), null, ok.sigstruct(), ok.unsignedSigstruct(),
                ok.signingPayload(), ok.signingPayloadSha256(), ok.pinnedSigner());
        RequestText.checkStructured(noConverter);
        SigningRequest badConverter = new SigningRequest(ok.schema(), ok.toolVersion(), ok.name(), ok.memoryModel(),
                ok.source(), ok.target(), ok.layout(), ok.mrenclave(), ok.mrenclaveSource(),
                new SigningRequest.Converter("not hex", false), ok.sigstruct(), ok.unsignedSigstruct(), ok.signingPayload(),
                ok.signingPayloadSha256(), ok.pinnedSigner());
        assertEquals("request was edited: field converter.mrenclave is 'not hex', expected 64 lower-case hex digits",
                assertThrows(SignerException.class, () -> RequestText.checkStructured(badConverter)).getMessage());
        SigningRequest badVersion = new SigningRequest(ok.schema(), "1.0; DEBUG no", ok.name(), ok.memoryModel(),
                ok.source(), ok.target(), ok.layout(), ok.mrenclave(), ok.mrenclaveSource(), ok.converter(), ok.sigstruct(),
                ok.unsignedSigstruct(), ok.signingPayload(), ok.signingPayloadSha256(), ok.pinnedSigner());
        assertEquals("request was edited: field toolVersion is '1.0; DEBUG no', expected a version such as 0.1.0 (commit)",
                assertThrows(SignerException.class, () -> RequestText.checkStructured(badVersion)).getMessage());
    }

    @Test
    void createRefusesWhatTheCeremonyWouldRefuse() {
        SignerException unsafe = assertThrows(SignerException.class, () -> SigningRequest.create("t", "app", MemoryModel.SGX1,
                SigningRequest.Source.file("sgxs", "/x\u001b.sgxs", "ab".repeat(32)), null, null, "measured-sgxs", null,
                Requests.production(1), null));
        assertEquals(ErrorKind.MALFORMED_INPUT, unsafe.kind());
        SignerException target = assertThrows(SignerException.class, () -> SigningRequest.create("t", "app", MemoryModel.SGX1,
                SigningRequest.Source.given(), "http://x/y", null, "given", null, Requests.production(1), null));
        assertEquals(ErrorKind.USAGE, target.kind());
        assertEquals("field target is 'http://x/y', not an image reference (docker://HOST/REPO:TAG, oci:DIR[:TAG] or "
                + "docker-archive:FILE)", target.getMessage());
    }
}
