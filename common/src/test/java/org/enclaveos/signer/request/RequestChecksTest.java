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
}
