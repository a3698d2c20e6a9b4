package org.enclaveos.signer.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructField;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per check that guards what gets signed, each asserting that check's own message: with the
 * check removed, the request would load (or another check would answer), and the test fails.
 */
class RequestChecksTest {
    @TempDir
    Path dir;

    /**
     * A request whose every derived field is computed from {@code bytes}, however they were made: the
     * attacker who rewrites a request and its bundle consistently, so only the checks on the bytes remain.
     */
    Path consistent(byte[] bytes) throws IOException {
        Sigstruct s = Sigstruct.parse(bytes);
        SigningRequest template = Requests.request("app0", MemoryModel.SGX1, Requests.production(0), null);
        SigningRequest r = new SigningRequest(template.schema(), template.toolVersion(), template.name(),
                template.memoryModel(), template.source(), template.target(), template.layout(), s.mrenclave().hex(),
                template.mrenclaveSource(), new SigningRequest.Converter(s.mrenclave().hex(), true), SigstructJson.describe(s),
                Base64.getEncoder().encodeToString(bytes), Hex.encode(s.signingPayload()), s.signingPayloadSha256().hex(),
                null);
        Path req = Files.createDirectories(dir.resolve("req" + System.nanoTime()));
        byte[] json = r.toJson();
        Files.write(req.resolve(r.fileName()), json);
        Files.write(req.resolve(RequestBundle.FILE_NAME), new RequestBundle(RequestBundle.SCHEMA, "test",
                List.of(new RequestBundle.Entry(r.fileName(), Hash256.sha256(json).hex()))).toJson());
        return req;
    }

    SignerException refused(byte[] bytes) throws IOException {
        Path req = consistent(bytes);
        return assertThrows(SignerException.class, () -> RequestSet.load(List.of(req)));
    }

    byte[] good() {
        return Requests.production(0).toBytes();
    }

    @Test
    void theUntouchedBytesLoad() throws IOException {
        RequestSet.load(List.of(consistent(good())));
    }

    @Test
    void signatureFieldsMustBeZeroInARequest() throws IOException {
        for (SigstructField f : List.of(SigstructField.MODULUS, SigstructField.EXPONENT, SigstructField.SIGNATURE,
                SigstructField.Q1, SigstructField.Q2)) {
            byte[] b = good();
            b[f.offset() + 1] = 1;
            SignerException e = refused(b);
            assertEquals(ErrorKind.INTEGRITY, e.kind(), f.name());
            assertTrue(e.getMessage().endsWith("request was edited: unsignedSigstruct carries MODULUS, EXPONENT, SIGNATURE, "
                    + "Q1 or Q2; a request has them zero"), f + ": " + e.getMessage());
        }
    }

    @Test
    void reservedBytesMustBeZero() throws IOException {
        for (SigstructField f : SigstructField.values()) {
            if (!f.reserved() || !f.signed()) {
                continue; // RESERVED4 is outside the payload: Sigstruct.unsigned() clears it, the check above answers
            }
            byte[] b = good();
            b[f.offset()] = 1;
            SignerException e = refused(b);
            assertEquals(ErrorKind.INTEGRITY, e.kind(), f.name());
            assertTrue(e.getMessage().endsWith("request was edited: unsignedSigstruct: non-zero reserved field(s): "
                    + f.name()), f + ": " + e.getMessage());
        }
    }

    @Test
    void initMustBeClear() throws IOException {
        byte[] b = good();
        long flags = LittleEndian.u64(b, SigstructField.ATTRIBUTES.offset());
        LittleEndian.putU64(b, SigstructField.ATTRIBUTES.offset(), flags | Attributes.INIT);
        SignerException e = refused(b);
        assertTrue(e.getMessage().endsWith("request was edited: unsignedSigstruct: ATTRIBUTES.INIT is set; EINIT refuses it"),
                e.getMessage());
    }

    @Test
    void anUnlistedRequestAndAMissingOneAreRefused() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, null);
        RequestWriter.write(dir.resolve("other"), List.of(Requests.request("extra", MemoryModel.SGX1, Requests.production(5),
                null)), false, "t");
        Files.copy(dir.resolve("other/extra.sgx1.request.json"), req.resolve("extra.sgx1.request.json"));
        SignerException unlisted = assertThrows(SignerException.class, () -> RequestSet.load(List.of(req)));
        assertEquals(ErrorKind.INTEGRITY, unlisted.kind());
        assertEquals(req.resolve("extra.sgx1.request.json") + ": not listed in bundle.json", unlisted.getMessage());
        Files.delete(req.resolve("extra.sgx1.request.json"));
        Files.delete(req.resolve("app1.sgx1.request.json"));
        SignerException missing = assertThrows(SignerException.class, () -> RequestSet.load(List.of(req)));
        assertEquals(ErrorKind.INTEGRITY, missing.kind());
        assertEquals(req.resolve("app1.sgx1.request.json") + ": listed in bundle.json but missing", missing.getMessage());
    }

    /** The good request with one field replaced (the record's fields by name), written with a matching bundle. */
    SignerException refusedWith(java.util.function.UnaryOperator<com.fasterxml.jackson.databind.node.ObjectNode> edit)
            throws IOException {
        SigningRequest r = Requests.request("app0", MemoryModel.SGX1, Requests.production(0), Hash256.sha256(new byte[] {1}));
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                RequestJson.readTree(r.toJson());
        byte[] json = RequestJson.write(edit.apply(tree));
        Path req = Files.createDirectories(dir.resolve("e" + System.nanoTime()));
        Files.write(req.resolve(r.fileName()), json);
        Files.write(req.resolve(RequestBundle.FILE_NAME), new RequestBundle(RequestBundle.SCHEMA, "test",
                List.of(new RequestBundle.Entry(r.fileName(), Hash256.sha256(json).hex()))).toJson());
        return assertThrows(SignerException.class, () -> RequestSet.load(List.of(req)));
    }

    @Test
    void everyDerivedFieldMustEqualTheBytesAndEachRefusalSaysWhich() throws IOException {
        String z = "00".repeat(32);
        assertTrue(refusedWith(t -> t.put("schema", "enclaveos-signer/request/v0")).getMessage()
                .endsWith("request schema is 'enclaveos-signer/request/v0', this tool reads " + SigningRequest.SCHEMA));
        assertTrue(refusedWith(t -> t.put("name", "../x")).getMessage().endsWith("field name is '../x', not a valid request name"));
        assertTrue(refusedWith(t -> t.putNull("name")).getMessage().endsWith("field name is 'null', not a valid request name"));
        assertTrue(refusedWith(t -> t.put("memoryModel", "sgx3")).getMessage()
                .endsWith("field memoryModel is 'sgx3', expected sgx1, sgx2 or null"));
        assertTrue(refusedWith(t -> t.put("memoryModel", "sgx2")).getMessage()
                .endsWith("the file is named app0.sgx1.request.json but its name and memoryModel say app0.sgx2.request.json"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("source")).put("kind", "imagex");
            return t;
        }).getMessage().endsWith("request was edited: field source.kind is 'imagex', expected one of enclave, image, layout, "
                + "mrenclave, oe-enclave, sgxs"));
        assertTrue(refusedWith(t -> t.put("mrenclave", z)).getMessage().contains("field mrenclave says " + z + ", bytes say "));
        assertTrue(refusedWith(t -> t.put("signingPayload", "00")).getMessage().contains("field signingPayload says 00, bytes say"));
        assertTrue(refusedWith(t -> t.put("signingPayloadSha256", z)).getMessage()
                .contains("field signingPayloadSha256 says " + z + ", bytes say"));
        assertTrue(refusedWith(t -> t.putNull("sigstruct")).getMessage().endsWith("field sigstruct is missing or not an object"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("sigstruct")).put("isvSvn", 9);
            return t;
        }).getMessage().endsWith("field sigstruct.isvSvn says 9, bytes say 0"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("sigstruct")).remove("isvSvn");
            return t;
        }).getMessage().endsWith("field sigstruct.isvSvn says nothing, bytes say 0"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("sigstruct")).put("extra", 1);
            return t;
        }).getMessage().endsWith("field sigstruct.extra is not a SIGSTRUCT field"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("sigstruct")).put("attributes", 1);
            return t;
        }).getMessage().endsWith("field sigstruct.attributes is missing or not an object"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.at("/sigstruct/attributes")).put("flags", "0x0");
            return t;
        }).getMessage().contains("field sigstruct.attributes.flags says \"0x0\", bytes say"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("converter")).put("matches", false);
            return t;
        }).getMessage().endsWith("field converter.matches says false, but converter.mrenclave equals mrenclave"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("converter")).put("mrenclave", z);
            return t;
        }).getMessage().endsWith("field converter.matches says true, but converter.mrenclave differs from mrenclave"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("pinnedSigner")).put("mrsigner", "AB".repeat(32));
            return t;
        }).getMessage().endsWith("field pinnedSigner.mrsigner is '" + "AB".repeat(32) + "', expected 64 lower-case hex digits"));
        assertTrue(refusedWith(t -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("pinnedSigner")).putNull("mrsigner");
            return t;
        }).getMessage().endsWith("field pinnedSigner.mrsigner is 'null', expected 64 lower-case hex digits"));
    }

    @Test
    void whatLoadsIsWhatWasWrittenAndARequestTwiceWithOtherContentIsRefused() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 3, Hash256.sha256(new byte[] {1}));
        List<RequestSet.Loaded> loaded = RequestSet.load(List.of(req));
        assertEquals(List.of("app0.sgx1", "app1.sgx1", "app2.sgx1"), loaded.stream().map(RequestSet.Loaded::id).toList());
        assertEquals(Hash256.sha256(new byte[] {1}), loaded.get(0).request().pinnedMrsigner().orElseThrow());
        assertEquals(Requests.production(1), loaded.get(1).unsigned());
        assertEquals(Hash256.sha256(Files.readAllBytes(req.resolve("app2.sgx1.request.json"))), loaded.get(2).fileSha256());
        // A single file is checked against the bundle beside it.
        RequestSet.Loaded one = RequestSet.load(List.of(req.resolve("app1.sgx1.request.json"))).get(0);
        assertEquals("app1.sgx1", one.id());
        Path other = Requests.write(dir.resolve("other"), 1, null); // app0 again, unpinned: other bytes
        SignerException twice = assertThrows(SignerException.class, () -> RequestSet.load(List.of(req, other)));
        assertEquals(ErrorKind.INTEGRITY, twice.kind());
        assertTrue(twice.getMessage().endsWith("request app0.sgx1 also comes from " + req.resolve("app0.sgx1.request.json")
                + " with different content"), twice.getMessage());
        assertEquals(3, RequestSet.load(List.of(req, req)).size(), "the same request twice is one request");
        Files.writeString(req.resolve("app1.sgx1.request.json"), "{}", java.nio.file.StandardOpenOption.APPEND);
        SignerException single = assertThrows(SignerException.class,
                () -> RequestSet.load(List.of(req.resolve("app1.sgx1.request.json"))));
        assertTrue(single.getMessage().contains("request was edited: its SHA-256 is"), single.getMessage());
        SignerException none = assertThrows(SignerException.class, () -> RequestSet.load(List.of()));
        assertEquals(ErrorKind.USAGE, none.kind());
        SignerException noBundle = assertThrows(SignerException.class, () -> RequestSet.load(List.of(dir)));
        assertTrue(noBundle.getMessage().endsWith(": no bundle.json; a request directory is what prepare --out wrote"),
                noBundle.getMessage());
    }
}
